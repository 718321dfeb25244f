"""warroom's own generic JSON alert, for scripts and tools with no format of their own.

```json
{"title": "Checkout error rate above 5%",      # required
 "severity": "SEV-2",                          # required: critical|error|warning|info,
                                               #   SEV-1..4, sev1..4, or 1..4
 "status": "firing",                           # firing (default) | resolved
 "dedup_key": "checkout-errors",               # optional, see below
 "service": "checkout", "source": "cron@batch-1",
 "description": "p95 5xx ratio 7.2% over 10m",
 "labels": {"env": "prod"}, "details": {"ratio": 0.072},
 "links": [{"href": "https://grafana.example.com/d/checkout", "text": "Dashboard"}],
 "timestamp": "2025-11-01T12:00:00Z"}
```

Unknown fields are refused, so a misspelt `serverity` is reported instead of ignored.
A `dedup_key` over 255 characters or a `title` over 1,024 is refused; a NUL anywhere
becomes U+FFFD, and a service over 200 characters or a label over 1,024 is cut with `…`
(`normalise`).
Without `dedup_key` the key is derived from title, service and labels, so sending the
same alert again updates it, and sending it with `"status": "resolved"` resolves it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from warroom.alerts.formats.model import (
    SEVERITIES,
    AlertEvent,
    FormatError,
    Severity,
    Timestamp,
    content_key,
    errors_from,
)
from warroom.alerts.formats.normalise import storable_event

_SEV_LEVEL = re.compile(r"^(?:sev-?)?([1-4])$", re.IGNORECASE)
_SEVERITY_HELP = "must be critical, error, warning, info, SEV-1..SEV-4 or 1..4"


def _severity(value: object) -> Severity:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("severity", _SEVERITY_HELP)
    word = value.strip().lower()
    for severity in SEVERITIES:
        if word == severity:
            return severity
    if match := _SEV_LEVEL.match(word):
        return SEVERITIES[int(match.group(1)) - 1]
    raise PydanticCustomError("severity", _SEVERITY_HELP)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is missing or blank")
    return value.strip()


class WireLink(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    href: Annotated[str, AfterValidator(_not_blank)]
    text: str = ""


class WireGeneric(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    title: Annotated[str, AfterValidator(_not_blank), Field(max_length=1024)]
    severity: Annotated[Severity, BeforeValidator(_severity)]
    status: Literal["firing", "resolved"] = "firing"
    dedup_key: Annotated[str, AfterValidator(_not_blank), Field(max_length=255)] | None = None
    service: str | None = None
    source: str | None = None
    description: str | None = None
    labels: dict[str, str] = {}
    details: dict[str, Any] = {}
    links: list[WireLink] = []
    timestamp: Timestamp = None


def parse(raw: Any) -> AlertEvent:
    """Validate a generic JSON alert."""
    try:
        alert = WireGeneric.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    service = (alert.service or "").strip() or None
    details = dict(alert.details)
    if alert.description:
        details["description"] = alert.description
    event = AlertEvent(
        source="generic",
        action="resolve" if alert.status == "resolved" else "trigger",
        dedup_key=alert.dedup_key or content_key("generic", alert.title, service, alert.labels),
        dedup_key_generated=alert.dedup_key is None,
        summary=alert.title,
        severity=alert.severity,
        source_name=(alert.source or "").strip() or None,
        service=service,
        labels=dict(alert.labels),
        details=details,
        links=[{"href": item.href, "text": item.text} for item in alert.links],
        occurred_at=alert.timestamp,
    )
    return storable_event(event)
