"""Schedules and overrides as the API shows them: read-only faces of the on-call rules,
plus the overrides added through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.errors import InvalidInputError, NotFoundError
from warroom.paging.models import ScheduleOverride
from warroom.paging.oncall.ical import to_ical
from warroom.paging.oncall.model import Schedule
from warroom.paging.oncall.rules import Shift, on_call_at, shifts
from warroom.paging.schemas import OnCallOut, OverrideIn, OverrideOut, ScheduleOut, ShiftOut
from warroom.paging.targets import effective_schedule


def _schedule(session: Session, config: Config, name: str) -> Schedule:
    config.check_schedule(name)
    schedule = effective_schedule(session, config, name)
    assert schedule is not None  # configured, as just checked
    return schedule


def schedules(db: Database, config: Config, now: datetime) -> list[ScheduleOut]:
    with db.read() as session:
        return [
            ScheduleOut(
                name=s.name,
                timezone=s.timezone,
                layers=[layer.name for layer in s.layers],
                on_call_now=on_call_at(_schedule(session, config, s.name), now),
            )
            for s in config.schedules
        ]


def who_is_on_call(db: Database, config: Config, name: str, at: datetime) -> OnCallOut:
    with db.read() as session:
        return OnCallOut(
            schedule=name, at=at, person=on_call_at(_schedule(session, config, name), at)
        )


MAX_SHIFT_SPAN = timedelta(days=366)


def _shifts(db: Database, config: Config, name: str, start: datetime, end: datetime) -> list[Shift]:
    if end <= start:
        raise InvalidInputError("the end must be after the start", field="next")
    if end - start > MAX_SHIFT_SPAN:
        raise InvalidInputError("at most a year of shifts at a time", field="next")
    with db.read() as session:
        return shifts(_schedule(session, config, name), start, end)


def schedule_shifts(
    db: Database, config: Config, name: str, start: datetime, end: datetime
) -> list[ShiftOut]:
    found = _shifts(db, config, name, start, end)
    return [ShiftOut(person=s.person, start=s.start, end=s.end) for s in found]


def schedule_ical(db: Database, config: Config, name: str, start: datetime, end: datetime) -> bytes:
    return to_ical(name, _shifts(db, config, name, start, end), generated_at=start)


def add_override(db: Database, ctx: Context, name: str, data: OverrideIn) -> OverrideOut:
    ctx.config.check_schedule(name)
    ctx.config.check_person(data.person)
    if data.end <= data.start:
        raise InvalidInputError("the override must end after it starts", field="end")
    with db.write() as session:
        row = ScheduleOverride(
            schedule=name,
            person=data.person,
            starts_at=data.start,
            ends_at=data.end,
            reason=data.reason,
            created_by=ctx.actor,
            created_at=ctx.now,
        )
        session.add(row)
        session.flush()
        return _override_out(row)


def _override_out(row: ScheduleOverride) -> OverrideOut:
    return OverrideOut(
        id=row.id,
        schedule=row.schedule,
        person=row.person,
        start=row.starts_at,
        end=row.ends_at,
        reason=row.reason,
        created_by=row.created_by,
    )


def list_overrides(db: Database, name: str, now: datetime) -> list[OverrideOut]:
    with db.read() as session:
        rows = session.scalars(
            select(ScheduleOverride)
            .where(ScheduleOverride.schedule == name, ScheduleOverride.ends_at > now)
            .order_by(ScheduleOverride.starts_at)
        )
        return [_override_out(r) for r in rows]


def delete_override(db: Database, name: str, override_id: int) -> None:
    with db.write() as session:
        row = session.get(ScheduleOverride, override_id)
        if row is None or row.schedule != name:
            raise NotFoundError(f"no override {override_id} on {name}", field="override")
        session.delete(row)
