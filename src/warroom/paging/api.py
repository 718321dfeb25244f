"""REST routes for paging: schedules and on-call, pages, jobs (the acknowledge link is
acklink/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from warroom.engine import service as engine
from warroom.errors import InvalidInputError
from warroom.incidents import rules as incident_rules
from warroom.limits import INT32_MAX, Storable, StorableStr
from warroom.paging import pages as paging_pages
from warroom.paging import schedules as service
from warroom.paging.schemas import (
    JobOut,
    OnCallOut,
    OverrideIn,
    OverrideOut,
    PageOut,
    ScheduleOut,
    ShiftOut,
)
from warroom.rest import Db, Reader, Responder
from warroom.runbooks.durations import DurationError, parse_duration

router = APIRouter(tags=["paging"])
Schedule = Annotated[str, Path(), Storable]
Ref = Annotated[str, Path(), Storable]
OverrideId = Annotated[int, Path(ge=-INT32_MAX - 1, le=INT32_MAX)]


def _instant(text: str | None, now: datetime, field: str) -> datetime:
    if not text:
        return now
    try:
        return incident_rules.parse_instant(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field=field) from None


def _until(begin: datetime, text: str, field: str) -> datetime:
    """`begin` plus the duration `text`, which must stay within datetime's range."""
    try:
        return begin + parse_duration(text)
    except DurationError as exc:
        raise InvalidInputError(f"{text!r}: {exc}", field=field) from None
    except OverflowError:
        raise InvalidInputError(f"{text!r} reaches past the year 9999", field=field) from None


@router.get("/api/v1/schedules")
def list_schedules(ctx: Reader, db: Db) -> list[ScheduleOut]:
    return service.schedules(db, ctx.config, ctx.now)


@router.get("/api/v1/schedules/{name}/oncall")
def on_call(
    name: Schedule,
    ctx: Reader,
    db: Db,
    at: Annotated[StorableStr | None, Query(description="ISO 8601")] = None,
) -> OnCallOut:
    return service.who_is_on_call(db, ctx.config, name, _instant(at, ctx.now, "at"))


@router.get("/api/v1/schedules/{name}/shifts")
def schedule_shifts(
    name: Schedule,
    ctx: Reader,
    db: Db,
    start: Annotated[
        StorableStr | None, Query(alias="from", description="ISO 8601; default now")
    ] = None,
    span: Annotated[str, Query(alias="next", description="e.g. 7d, 24h"), Storable] = "7d",
) -> list[ShiftOut]:
    begin = _instant(start, ctx.now, "from")
    return service.schedule_shifts(db, ctx.config, name, begin, _until(begin, span, "next"))


@router.get("/api/v1/schedules/{name}/ical")
def schedule_ical(
    name: Schedule,
    ctx: Reader,
    db: Db,
    span: Annotated[
        str, Query(alias="next", description="How far ahead; default 90d"), Storable
    ] = "90d",
) -> Response:
    body = service.schedule_ical(db, ctx.config, name, ctx.now, _until(ctx.now, span, "next"))
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.post("/api/v1/schedules/{name}/overrides", status_code=201)
def add_override(name: Schedule, body: OverrideIn, ctx: Responder, db: Db) -> OverrideOut:
    """Someone covers a window: beats every layer of the schedule."""
    return service.add_override(db, ctx, name, body)


@router.get("/api/v1/schedules/{name}/overrides")
def list_overrides(name: Schedule, ctx: Reader, db: Db) -> list[OverrideOut]:
    return service.list_overrides(db, name, ctx.now)


@router.delete("/api/v1/schedules/{name}/overrides/{override_id}", status_code=204)
def delete_override(name: Schedule, override_id: OverrideId, _ctx: Responder, db: Db) -> Response:
    service.delete_override(db, name, override_id)
    return Response(status_code=204)


@router.get("/api/v1/incidents/{ref}/pages")
def pages(ref: Ref, _ctx: Reader, db: Db) -> list[PageOut]:
    return paging_pages.pages_of(db, ref)


@router.get("/api/v1/jobs")
def jobs(
    _ctx: Reader,
    db: Db,
    status: Annotated[
        str | None, Query(pattern="^(pending|running|done|failed|cancelled)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[JobOut]:
    return [
        JobOut.model_validate(j, from_attributes=True)
        for j in engine.list_jobs(db, status=status, limit=limit)
    ]
