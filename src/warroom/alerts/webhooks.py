"""The intake face: webhooks (Alertmanager, Grafana, Datadog, generic) and the PagerDuty
Events API v2, as senders post them.

Bodies are read by hand rather than through a pydantic body parameter: the size cap
(512 KB → 413) applies before parsing, and each format answers errors in its own wire
shape (PagerDuty's `{"status": "invalid event", "errors": [...]}` on /v2/*). An
integration has one kind: its key on another format's endpoint is refused (403, saying
where it sends), before anything is parsed or stored. A parsed delivery goes to the
process's `IntakeWriter` (group commit); the answer comes once it is stored.

The app answers these paths through `intake_route` and `answer`, before FastAPI's
middleware, routing and exception machinery, which cost more than everything else a
single event needs. The same endpoints are also ordinary routes of `router`, which
document them in the OpenAPI schema and answer wherever the app is mounted without it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from warroom.alerts import integrations, openapi, ratelimit
from warroom.alerts.formats import pagerduty
from warroom.alerts.formats.model import AlertEvent, Batch, FormatError
from warroom.alerts.formats.registry import FORMATS, WEBHOOK_PATH, AlertFormat
from warroom.alerts.intake.plan import Delivery
from warroom.alerts.intake.writer import IntakeWriter
from warroom.alerts.integrations import Sender
from warroom.alerts.ratelimit import ClientLimiter
from warroom.alerts.schemas import IngestResult, RejectedAlert
from warroom.changes import service as changes
from warroom.errors import WarroomError
from warroom.observability import Metrics
from warroom.rest import domain_error, error_body, internal_error

router = APIRouter(tags=["alerts"])
_PAGERDUTY = FORMATS["pagerduty"].urls()
PAGERDUTY_EVENTS = _PAGERDUTY["pagerduty_events_v2"]
PAGERDUTY_CHANGES = _PAGERDUTY["pagerduty_change_events"]
MAX_BODY = 512 * 1024
# Answers for unknown keys per client address; a sender with a wrong key retries on a
# 429 (after Retry-After) rather than costing a database query each time.
unknown_keys = ClientLimiter(per_minute=60)
Endpoint = Callable[[Request], Awaitable[Response]]
Parsed = TypeVar("Parsed")


class IntakeError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: list[str] | None = None,
        code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.message = message
        self.errors = errors or [message]
        self.code = code or ("invalid" if status in (400, 422) else "rejected")


def _json(body: Any, status: int, retry_after: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


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


def _wrong_kind(sender: Sender) -> IntakeError:
    """A key used on another format's endpoint: refused, saying where it belongs (with
    `{key}` in place of the key, which is a secret)."""
    kind = sender.kind or "unknown"
    where = " or ".join(f"POST {url}" for url in integrations.intake_urls(kind).values())
    message = f"this key belongs to a {kind} integration, which sends to {where}"
    format_ = FORMATS.get(kind)
    if format_ is not None and format_.key_as:
        message += f" with the key as {format_.key_as}"
    return IntakeError(403, message, code="wrong_integration_kind")


async def _sender(request: Request, key: str, kind: str) -> Sender:
    """The integration of `key`, which must be of `kind` (the endpoint's format), and
    within its rate limit."""
    db = request.app.state.db
    address = request.client.host if request.client else "unknown"
    found, sender = integrations.remembered(db, key)  # no thread hop, no query
    if sender is None and unknown_keys.exhausted(address) and not integrations.seen_valid(key):
        # An address that sent too many wrong keys waits, without a query per attempt;
        # a key that worked lately is still looked up (its sender may share the address).
        raise _too_fast(unknown_keys.retry_after(address), "Too many unknown keys")
    if not found:
        sender = await run_in_threadpool(integrations.find_integration, db, key)
    if sender is None:
        unknown_keys.charge(address)
        raise IntakeError(404, "unknown integration key")
    if sender.kind != kind:
        raise _wrong_kind(sender)
    per_minute = sender.rate_limit_per_minute
    if per_minute:
        wait = await run_in_threadpool(ratelimit.admit, db, sender.scope, per_minute)
        if wait is not None:
            raise _too_fast(wait, "Requests for this integration are arriving too quickly")
    return sender


def _too_fast(wait: float, message: str) -> IntakeError:
    return IntakeError(429, message, retry_after=max(1, math.ceil(wait)))


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


def _rejected(request: Request, name: str, count: int) -> None:
    if count:
        metrics: Metrics = request.app.state.metrics
        metrics.rejected_alerts.labels(name).inc(count)


def _webhook(kind: str, parse: Callable[[Any], Batch | AlertEvent]) -> Endpoint:
    async def receive(request: Request) -> Response:
        try:
            raw = await _json_body(request)
            sender = await _sender(request, request.path_params["key"], kind)
            try:
                parsed = parse(raw)
            except FormatError as exc:
                _rejected(request, kind, exc.rejected_alerts)
                raise IntakeError(422, "; ".join(exc.errors), exc.errors) from None
            batch = parsed if isinstance(parsed, Batch) else None
            events = parsed.events if isinstance(parsed, Batch) else [parsed]
            result = await _store(request, sender, events, batch)
            if batch is not None and batch.rejected:
                # The alerts that could be read are stored; these are named, so that the
                # sender hears of them without a retry that would fail the same way.
                _rejected(request, kind, len(batch.rejected))
                result.rejected = [
                    RejectedAlert(index=r.index, errors=r.errors) for r in batch.rejected
                ]
        except IntakeError as exc:
            body = error_body(exc.code, exc.message)
            body["error"]["errors"] = exc.errors
            return _json(body, exc.status, exc.retry_after)
        return _json(result.model_dump(), 202)

    return receive


WEBHOOKS: dict[str, Endpoint] = {
    f.name: _webhook(f.name, f.parse) for f in FORMATS.values() if f.webhook
}


def _pagerduty_error(exc: IntakeError) -> Response:
    if exc.status == 429:
        return _json({"status": "throttle event", "message": exc.message}, 429, exc.retry_after)
    return _json(
        {"status": "invalid event", "message": exc.message, "errors": exc.errors}, exc.status
    )


def _routing_key(raw: Any) -> str:
    key = raw.get("routing_key") if isinstance(raw, dict) else None
    if not isinstance(key, str) or not key.strip():
        raise IntakeError(400, "Event object is invalid", ["'routing_key' is missing or blank"])
    return key.strip()


async def _pagerduty_input(
    request: Request, parse: Callable[[Any], Parsed]
) -> tuple[Sender, Parsed]:
    """The sender (by `routing_key`, of a pagerduty integration) and the parsed document
    of an Events API request."""
    raw = await _json_body(request)
    sender = await _sender(request, _routing_key(raw), "pagerduty")
    try:
        return sender, parse(raw)
    except FormatError as exc:
        raise IntakeError(400, "Event object is invalid", exc.errors) from None


async def pagerduty_event(request: Request) -> Response:
    try:
        sender, event = await _pagerduty_input(request, pagerduty.parse_event)
        await _store(request, sender, [event], None)
    except IntakeError as exc:
        return _pagerduty_error(exc)
    return _json(pagerduty.accepted_body(event), 202)


async def pagerduty_change(request: Request) -> Response:
    try:
        sender, change = await _pagerduty_input(request, pagerduty.parse_change)
        state = request.app.state
        duplicate = await run_in_threadpool(
            changes.record_pagerduty_change, state.db, sender, change, state.clock.now()
        )
    except IntakeError as exc:
        return _pagerduty_error(exc)
    # A retry is answered as the first was (a sender may retry until it sees success).
    message = "Change event already processed" if duplicate else "Change event processed"
    return _json({"status": "success", "message": message}, 202)


# --- as routes (the OpenAPI document, and the way in where `answer` is not used) -----


def _webhook_route(format_: AlertFormat, endpoint: Endpoint) -> None:
    async def receive(key: str, request: Request) -> Response:
        return await endpoint(request)

    name = format_.name
    (path,) = format_.urls().values()
    router.add_api_route(
        path,
        receive,
        methods=["POST"],
        status_code=202,
        summary=f"Receive a {name} webhook",
        response_model=IngestResult,
        responses=openapi.WEBHOOK_RESPONSES,
        openapi_extra=openapi.request_body(format_.body()),
        name="receive",  # the operationId it always had
    )


for _name, _endpoint in WEBHOOKS.items():
    _webhook_route(FORMATS[_name], _endpoint)


@router.post(
    PAGERDUTY_EVENTS,
    status_code=202,
    tags=["pagerduty"],
    name="pagerduty_event",
    responses={202: {"model": openapi.PagerDutyAccepted}, **openapi.PAGERDUTY_RESPONSES},
    openapi_extra=openapi.request_body(FORMATS["pagerduty"].body()),
)
async def _pagerduty_event_route(request: Request) -> Response:
    """PagerDuty Events API v2: existing senders only change the URL."""
    return await pagerduty_event(request)


@router.post(
    PAGERDUTY_CHANGES,
    status_code=202,
    tags=["pagerduty"],
    name="pagerduty_change",
    responses={202: {"model": openapi.PagerDutyChangeAccepted}, **openapi.PAGERDUTY_RESPONSES},
    openapi_extra=openapi.pagerduty_change_openapi(),
)
async def _pagerduty_change_route(request: Request) -> Response:
    """PagerDuty change events: deploys and config changes for the integration's service."""
    return await pagerduty_change(request)


# --- the fast way in -------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeRoute:
    """An intake request, recognised from its path alone."""

    endpoint: Endpoint
    path: str  # the template, which the metrics count requests under
    params: dict[str, str]


_WEBHOOK_PREFIX = WEBHOOK_PATH.partition("{key}")[0]
_EXACT = {PAGERDUTY_EVENTS: pagerduty_event, PAGERDUTY_CHANGES: pagerduty_change}


def intake_route(scope: Scope) -> IntakeRoute | None:
    """The intake endpoint a request is for, or None for every other request."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    exact = _EXACT.get(path)
    if exact is not None:
        return IntakeRoute(exact, path, {})
    if not path.startswith(_WEBHOOK_PREFIX):
        return None
    key, _, name = path[len(_WEBHOOK_PREFIX) :].partition("/")
    webhook = WEBHOOKS.get(name)
    if webhook is None or not key:
        return None
    return IntakeRoute(webhook, f"{_WEBHOOK_PREFIX}{{key}}/{name}", {"key": key})


async def answer(
    route: IntakeRoute, scope: Scope, receive: Receive, send: Send, metrics: Metrics
) -> None:
    """Answer an intake request directly (as plain ASGI), doing what the app's middleware
    does for other requests: map domain errors, turn anything else into a logged 500,
    and count and time the request."""
    started = time.perf_counter()
    scope["path_params"] = route.params
    response: Response
    try:
        response = await route.endpoint(Request(scope, receive))
    except WarroomError as exc:
        response = domain_error(exc)
    except Exception:
        response = internal_error("POST", scope["path"])
    await response(scope, receive, send)
    metrics.record("POST", route.path, response.status_code, time.perf_counter() - started)
