"""Alert intake endpoints (Alertmanager, PagerDuty Events v2, Datadog, Grafana, generic),
customer reports, change events, and the integrations that may send them.

Webhook bodies are read by hand rather than through a pydantic body parameter: the size
cap (512 KB → 413) applies before parsing, and each format answers errors in its own
wire shape (PagerDuty's `{"status": "invalid event", "errors": [...]}` on /v2/*).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from warroom.alerts import service
from warroom.alerts.formats import alertmanager, customer, datadog, generic, grafana, pagerduty
from warroom.alerts.formats.model import AlertEvent, Batch, FormatError
from warroom.alerts.intake import IntakeWriter
from warroom.alerts.ratelimit import RateLimiter
from warroom.alerts.schemas import (
    AlertOut,
    ChangeIn,
    ChangeOut,
    IngestResult,
    IntegrationIn,
    IntegrationOut,
    ReportIn,
)
from warroom.alerts.service import Delivery, Sender
from warroom.errors import InvalidInputError
from warroom.rest import Admin, Db, Reader, Responder, error_body

router = APIRouter(tags=["alerts"])
MAX_BODY = 512 * 1024
limiter = RateLimiter()
Endpoint = Callable[[Request], Awaitable[Response]]


class IntakeError(Exception):
    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or [message]


async def _json_body(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise IntakeError(413, f"body over {MAX_BODY // 1024} KB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise IntakeError(413, f"body over {MAX_BODY // 1024} KB")
        chunks.append(chunk)
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.lower():
        raise IntakeError(415, f"Content-Type must be application/json, not {content_type!r}")
    try:
        return orjson.loads(b"".join(chunks))
    except (orjson.JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
        raise IntakeError(400, f"malformed JSON: {exc}") from None


async def _sender(request: Request, key: str) -> Sender:
    db = request.app.state.db
    # Cached for a few seconds per process (service.INTEGRATION_TTL): no thread hop and
    # no query for a known key; a miss asks the database from a worker thread.
    found = service.cached_integration(db, key)
    if found is None:
        found = await run_in_threadpool(service.find_integration, db, key)
    if found is None:
        raise IntakeError(404, "unknown integration key")
    per_minute = found.rate_limit_per_minute
    if per_minute and not limiter.allow(service.hash_key(key), per_minute):
        raise IntakeError(429, "Requests for this integration are arriving too quickly")
    return found


async def _store(
    request: Request, sender: Sender, events: list[AlertEvent], batch: Batch | None
) -> IngestResult:
    writer: IntakeWriter = request.app.state.intake
    return await writer.store(
        Delivery(
            sender,
            events,
            truncated_alerts=batch.truncated_alerts if batch else 0,
            group_key=batch.group_key if batch else None,
        )
    )


# The intake endpoints are plain Starlette routes: no dependency solving or response
# validation per request, the hot path of alert intake. Each also sets scope["route"],
# as FastAPI's routes do, so the metrics count it under its path template. The same
# paths are registered as FastAPI routes below them only for the OpenAPI document; the
# Starlette route, first in the list, always answers.
def _intake_route(path: str, endpoint: Endpoint, name: str) -> None:
    async def handle(request: Request) -> Response:
        request.scope["route"] = route
        return await endpoint(request)

    router.add_route(path, handle, methods=["POST"], name=name, include_in_schema=False)
    route = router.routes[-1]


def _documented(path: str, summary: str) -> None:
    async def documentation_only(key: str) -> IngestResult:  # never reached
        raise NotImplementedError(key)

    router.add_api_route(
        path,
        documentation_only,
        methods=["POST"],
        status_code=202,
        summary=summary,
        response_model=IngestResult,
        name="receive",  # the operationId it always had
    )


def _webhook(parse: Callable[[Any], Batch | AlertEvent]) -> Endpoint:
    async def receive(request: Request) -> Response:
        try:
            raw = await _json_body(request)
            sender = await _sender(request, request.path_params["key"])
            try:
                parsed = parse(raw)
            except FormatError as exc:
                raise IntakeError(422, "; ".join(exc.errors), exc.errors) from None
            batch = parsed if isinstance(parsed, Batch) else None
            events = parsed.events if isinstance(parsed, Batch) else [parsed]
            result = await _store(request, sender, events, batch)
        except IntakeError as exc:
            body = error_body("invalid" if exc.status in (400, 422) else "rejected", exc.message)
            body["error"]["errors"] = exc.errors
            return JSONResponse(body, status_code=exc.status)
        return JSONResponse(result.model_dump(), status_code=202)

    return receive


for _name, _parse in (
    ("alertmanager", alertmanager.parse),
    ("grafana", grafana.parse),
    ("datadog", datadog.parse),
    ("generic", generic.parse),
):
    _intake_route(f"/api/v1/integrations/{{key}}/{_name}", _webhook(_parse), f"{_name}_webhook")
    _documented(f"/api/v1/integrations/{{key}}/{_name}", f"Receive a {_name} webhook")


def _pagerduty_error(exc: IntakeError) -> JSONResponse:
    if exc.status == 429:
        return JSONResponse({"status": "throttle event", "message": exc.message}, status_code=429)
    return JSONResponse(
        {"status": "invalid event", "message": exc.message, "errors": exc.errors},
        status_code=exc.status,
    )


def _routing_key(raw: Any) -> str:
    key = raw.get("routing_key") if isinstance(raw, dict) else None
    if not isinstance(key, str) or not key.strip():
        raise IntakeError(400, "Event object is invalid", ["'routing_key' is missing or blank"])
    return key.strip()


async def _pagerduty_event(request: Request) -> Response:
    try:
        raw = await _json_body(request)
        sender = await _sender(request, _routing_key(raw))
        try:
            event = pagerduty.parse_event(raw)
        except FormatError as exc:
            raise IntakeError(400, "Event object is invalid", exc.errors) from None
        await _store(request, sender, [event], None)
    except IntakeError as exc:
        return _pagerduty_error(exc)
    return JSONResponse(pagerduty.accepted_body(event), status_code=202)


_intake_route("/v2/enqueue", _pagerduty_event, "pagerduty_event")


@router.post("/v2/enqueue", status_code=202, tags=["pagerduty"])
async def pagerduty_event(request: Request) -> JSONResponse:
    """PagerDuty Events API v2: existing senders only change the URL."""
    raise NotImplementedError  # documentation only: the route above always answers


@router.post("/v2/change/enqueue", status_code=202, tags=["pagerduty"])
async def pagerduty_change(request: Request) -> JSONResponse:
    """PagerDuty change events: deploys and config changes for the integration's service."""
    try:
        raw = await _json_body(request)
        sender = await _sender(request, _routing_key(raw))
        try:
            change = pagerduty.parse_change(raw)
        except FormatError as exc:
            raise IntakeError(400, "Event object is invalid", exc.errors) from None
        state = request.app.state
        await run_in_threadpool(
            service.record_pagerduty_change, state.db, sender, change, state.clock.now()
        )
    except IntakeError as exc:
        return _pagerduty_error(exc)
    return JSONResponse({"status": "success", "message": "Change event processed"}, 202)


@router.post("/api/v1/reports", status_code=202)
def report_problem(body: ReportIn, ctx: Responder, db: Db) -> IngestResult:
    """A customer report: an alert of source `customer` (warning → SEV-3 by default)."""
    try:
        event = customer.parse(body.model_dump(exclude_none=True))
    except FormatError as exc:
        raise InvalidInputError("; ".join(exc.errors)) from None
    sender = Sender(scope="customer", name=ctx.actor, service=body.service)
    return service.ingest(db, ctx.config, ctx.now, sender, [event])


@router.get("/api/v1/alerts")
def list_alerts(
    _ctx: Reader,
    db: Db,
    status: Annotated[str | None, Query(pattern="^(firing|resolved)$")] = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertOut]:
    return service.list_alerts(db, status=status, service=service_name, limit=limit)


@router.get("/api/v1/incidents/{ref}/alerts")
def incident_alerts(ref: str, _ctx: Reader, db: Db) -> list[AlertOut]:
    return service.alerts_of(db, ref)


@router.get("/api/v1/incidents/{ref}/changes")
def incident_changes(ref: str, _ctx: Reader, db: Db) -> list[ChangeOut]:
    """Changes to the incident's services in the 24 hours before it was declared."""
    return service.changes_before(db, ref)


@router.post("/api/v1/changes", status_code=201)
def record_change(body: ChangeIn, ctx: Responder, db: Db) -> ChangeOut:
    return service.record_change(db, ctx, body)


@router.get("/api/v1/changes")
def list_changes(
    ctx: Reader,
    db: Db,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    since: Annotated[str | None, Query(description="24h, 7d or an ISO 8601 time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ChangeOut]:
    return service.list_changes(db, ctx.now, service=service_name, since=since, limit=limit)


@router.post("/api/v1/integrations", status_code=201)
def create_integration(body: IntegrationIn, ctx: Admin, db: Db, request: Request) -> IntegrationOut:
    return service.create_integration(db, ctx, body, str(request.base_url).rstrip("/"))


@router.get("/api/v1/integrations")
def list_integrations(_ctx: Admin, db: Db) -> list[IntegrationOut]:
    return service.list_integrations(db)


@router.delete("/api/v1/integrations/{name}")
def revoke_integration(name: str, ctx: Admin, db: Db) -> IntegrationOut:
    return service.revoke_integration(db, ctx, name)
