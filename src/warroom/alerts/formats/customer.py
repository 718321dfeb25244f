"""A problem reported by a customer (support form, chat bot, support desk hook).

```json
{"reporter": "ana@customer.example", "text": "Checkout fails with error 502\\n...",
 "service": "checkout"}
```

A report is a warning-level alert: a person saw something, which is worth a look but
not, alone, a page at critical. The summary is the first non-blank line of the text,
cut to 200 characters. The dedup key is derived from reporter and text (whitespace at
the ends ignored), so the same report submitted twice is one alert.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from warroom.alerts.formats.model import AlertEvent, FormatError, content_key, errors_from
from warroom.alerts.formats.normalise import storable_event

TEXT_MAX = 10_000
SUMMARY_MAX = 200


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is missing or blank")
    return value.strip()


class WireReport(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    reporter: Annotated[str, Field(max_length=320), AfterValidator(_not_blank)]
    text: Annotated[str, Field(max_length=TEXT_MAX), AfterValidator(_not_blank)]
    service: str | None = None


def _summary(text: str) -> str:
    first = next(line.strip() for line in text.splitlines() if line.strip())
    return first if len(first) <= SUMMARY_MAX else first[: SUMMARY_MAX - 1] + "…"


def parse(raw: Any) -> AlertEvent:
    """Validate a customer report."""
    try:
        report = WireReport.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    event = AlertEvent(
        source="customer",
        action="trigger",
        dedup_key=content_key("customer", report.reporter, report.text),
        dedup_key_generated=True,
        summary=_summary(report.text),
        severity="warning",
        source_name=report.reporter,
        service=(report.service or "").strip() or None,
        labels={"reporter": report.reporter},
        details={"text": report.text},
    )
    return storable_event(event)
