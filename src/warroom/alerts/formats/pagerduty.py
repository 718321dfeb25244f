"""PagerDuty Events API v2: alert events (`POST /v2/enqueue`) and change events
(`POST /v2/change/enqueue`), so anything that can page PagerDuty can page warroom.

```json
{"routing_key": "R0UT1NGKEY0000000000000000000000", "event_action": "trigger",
 "dedup_key": "disk/db-1", "client": "Nagios", "client_url": "https://nagios.example.com",
 "payload": {"summary": "Disk 95% full on db-1", "source": "db-1.example.com",
             "severity": "critical", "timestamp": "2025-11-01T12:00:00.000+0000",
             "component": "postgres", "group": "prod-datapipe", "class": "disk",
             "custom_details": {"free_gb": 2}},
 "links": [{"href": "https://grafana.example.com/d/disk", "text": "Disk dashboard"}],
 "images": [{"src": "https://chart.example.com/disk.png", "href": "...", "alt": "..."}]}
```

Where PagerDuty's documentation leaves behaviour open, warroom decides:

* `routing_key` must be present and non-blank, but its length is not checked (PagerDuty
  wants 32 characters; warroom's integration keys are its own).
* `dedup_key` is required for acknowledge and resolve and at most 255 characters: a
  longer one is refused rather than cut, because two keys cut to the same prefix
  would silently merge two alerts. A trigger without one gets a random key, returned
  to the caller as PagerDuty does (`AlertEvent.dedup_key_generated`).
* `payload.summary` longer than 1024 characters is cut to 1024 rather than refused,
  so a sender PagerDuty accepts is never turned away; the full text is kept in
  `details["summary_full"]`.
* `payload` is required for trigger only; acknowledge and resolve ignore it (as
  PagerDuty does), so their event has an empty summary and severity "info".
* `payload.timestamp` is ISO 8601; without an offset it is UTC. An unparsable one is
  refused.
* `payload.custom_details` may be any JSON value: an object becomes `details`, anything
  else is kept under `details["custom_details"]`.
* Values the database cannot hold as given are normalised (`normalise`): a NUL
  character becomes U+FFFD (in a dedup key too, so acknowledge and resolve find the
  trigger), a component over 200 characters is cut with `…`; a change event's summary
  is cut to 1,024 characters and its source to 200, with `…`.

Errors are PagerDuty's 400 sentences (`'payload.summary' is missing or blank`);
`invalid_event_body` builds the whole 400 body.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from warroom.alerts.formats.model import (
    AlertEvent,
    ChangeEvent,
    FormatError,
    Severity,
    Timestamp,
    errors_from,
)
from warroom.alerts.formats.normalise import storable_change, storable_event

SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255
_MISSING = "is missing or blank"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", _MISSING)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


# PagerDuty refuses a summary or source of only spaces as blank, and so does warroom.
NonBlank = Annotated[str, AfterValidator(_not_blank)]


def _dedup_key_length(value: str) -> str:
    # Checked here rather than with Field(max_length): pydantic-core measures a constrained
    # string in Rust and refuses one holding a lone surrogate, which storing cleans instead.
    if len(value) > DEDUP_KEY_MAX:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": DEDUP_KEY_MAX},
        )
    return value


class WireLink(_Strict):
    href: NonBlank
    text: str = ""


class WireImage(_Strict):
    src: NonBlank
    href: str = ""
    alt: str = ""


class WirePayload(_Strict):
    """PD-CEF: the common event format of the trigger payload."""

    summary: NonBlank
    source: NonBlank
    severity: Severity
    timestamp: Timestamp = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(default=None, alias="class")
    custom_details: Any = None


class WireEvent(_Strict):
    """The `/v2/enqueue` body. `payload` is validated only for trigger events."""

    routing_key: NonBlank
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: Annotated[str, AfterValidator(_dedup_key_length)] | None = None
    payload: Any = None
    client: str | None = None
    client_url: str | None = None
    links: list[WireLink] = []
    images: list[WireImage] = []


class WireChangePayload(_Strict):
    summary: NonBlank
    timestamp: Timestamp = None
    source: str | None = None
    custom_details: Any = None


class WireChangeEvent(_Strict):
    """The `/v2/change/enqueue` body."""

    routing_key: NonBlank
    payload: WireChangePayload
    links: list[WireLink] = []


def _details(custom_details: Any) -> dict[str, Any]:
    if custom_details is None:
        return {}
    if isinstance(custom_details, dict):
        return dict(custom_details)
    return {"custom_details": custom_details}


def parse_event(raw: Any) -> AlertEvent:
    """Validate a `/v2/enqueue` body into one alert event."""
    try:
        event = WireEvent.model_validate(raw)
    except ValidationError as exc:
        errors = errors_from(exc, missing=_MISSING)
        # Report payload mistakes in the same answer, as PagerDuty lists all it finds.
        if isinstance(raw, dict) and raw.get("event_action") == "trigger":
            errors += _payload_errors(raw.get("payload"))
        raise FormatError(errors) from None

    if event.event_action != "trigger":
        if event.dedup_key is None or not event.dedup_key.strip():
            raise FormatError([f"'dedup_key' {_MISSING}"])
        return storable_event(
            AlertEvent(
                source="pagerduty",
                action=event.event_action,
                dedup_key=event.dedup_key,
                summary="",
                severity="info",
                routing_key=event.routing_key,
            )
        )

    payload = _payload(event.payload)
    generated = event.dedup_key is None or not event.dedup_key.strip()
    details = _details(payload.custom_details)
    summary = payload.summary
    if len(summary) > SUMMARY_MAX:
        details["summary_full"] = summary
        summary = summary[:SUMMARY_MAX]
    labels = {
        name: value
        for name, value in (
            ("component", payload.component),
            ("group", payload.group),
            ("class", payload.class_),
        )
        if value
    }
    if event.client:
        details["client"] = event.client
    links = [{"href": item.href, "text": item.text} for item in event.links]
    if event.client_url:
        links.append({"href": event.client_url, "text": event.client or "Client"})
    return storable_event(
        AlertEvent(
            source="pagerduty",
            action="trigger",
            dedup_key=uuid.uuid4().hex if generated else (event.dedup_key or ""),
            dedup_key_generated=generated,
            summary=summary,
            severity=payload.severity,
            source_name=payload.source,
            service=payload.component or None,
            labels=labels,
            details=details,
            links=links,
            images=[
                {key: value for key, value in item.model_dump().items() if value}
                for item in event.images
            ],
            occurred_at=payload.timestamp,
            routing_key=event.routing_key,
        )
    )


def _payload(raw: Any) -> WirePayload:
    """A trigger's payload, validated (once: it is the costly part of an event)."""
    if raw is None:
        raise FormatError([f"'payload' {_MISSING}"])
    try:
        return WirePayload.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc, "payload", missing=_MISSING)) from None


def _payload_errors(raw: Any) -> list[str]:
    try:
        _payload(raw)
    except FormatError as exc:
        return exc.errors
    return []


def parse_change(raw: Any) -> ChangeEvent:
    """Validate a `/v2/change/enqueue` body into a change event."""
    try:
        event = WireChangeEvent.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc, missing=_MISSING)) from None
    return storable_change(
        ChangeEvent(
            summary=event.payload.summary,
            routing_key=event.routing_key,
            source_name=event.payload.source or None,
            occurred_at=event.payload.timestamp,
            details=_details(event.payload.custom_details),
            links=[{"href": item.href, "text": item.text} for item in event.links],
        )
    )


def invalid_event_body(error: FormatError) -> dict[str, Any]:
    """PagerDuty's 400 response body for an event that failed validation."""
    return {"status": "invalid event", "message": "Event object is invalid", "errors": error.errors}


def accepted_body(event: AlertEvent) -> dict[str, str]:
    """PagerDuty's 202 response body; senders read `dedup_key` back from it."""
    return {"status": "success", "message": "Event processed", "dedup_key": event.dedup_key}
