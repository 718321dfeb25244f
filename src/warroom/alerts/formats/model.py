"""The normalized alert every intake format is turned into, and the one error they raise.

Each wire-format module (`alertmanager`, `grafana`, `pagerduty`, `datadog`, `generic`,
`customer`) validates a decoded JSON document with pydantic models that mirror the
sender's format, then builds `AlertEvent`s from them. Bad input of any shape raises
`FormatError` and nothing else: its `errors` are human sentences that each name the
field in quotes with its path (`'alerts[0].labels.severity' must be a string`), in the
style of PagerDuty's Events API 400 responses, so a face can return them as they are.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

Source = Literal[
    "alertmanager", "pagerduty", "datadog", "grafana", "generic", "customer", "healthcheck"
]
Action = Literal["trigger", "acknowledge", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "error", "warning", "info")


class FormatError(ValueError):
    """The document is not a valid event of its format; `errors` name each bad field.
    `rejected_alerts` counts the alerts of a batch refused with it (all of them)."""

    def __init__(self, errors: list[str], *, rejected_alerts: int = 0) -> None:
        self.errors = errors
        self.rejected_alerts = rejected_alerts
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class AlertEvent:
    """One alert state change, whatever tool sent it.

    `dedup_key` correlates a trigger with its later acknowledge/resolve;
    `dedup_key_generated` is true when the sender gave none and it was made up here
    (random for PagerDuty triggers, derived from the content for other formats), so a
    face can return it to the caller. Times are aware and in UTC.
    """

    source: Source
    action: Action
    dedup_key: str
    summary: str
    severity: Severity
    dedup_key_generated: bool = False
    source_name: str | None = None
    service: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    occurred_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # PagerDuty's integration key: which integration (and so which service) was paged.
    routing_key: str | None = None


_EVENT_FIELDS = frozenset(f.name for f in fields(AlertEvent))


def quick_event(values: dict[str, Any]) -> AlertEvent:
    """`AlertEvent(**values)` without the frozen dataclass's `__init__`, which sets each
    of the 16 fields through `object.__setattr__` (~2.5 µs an event, ~10x this); for the
    parsers' hot paths. `values` must name every field."""
    if values.keys() != _EVENT_FIELDS:
        raise TypeError(f"quick_event needs exactly the fields {sorted(_EVENT_FIELDS)}")
    event = object.__new__(AlertEvent)
    event.__dict__.update(values)
    return event


@dataclass(frozen=True)
class Rejected:
    """An alert of a batch that could not be read (its position in `alerts`, and why);
    the batch's other alerts are stored without it."""

    index: int
    errors: list[str]


@dataclass(frozen=True)
class Batch:
    """One Alertmanager or Grafana notification: a group of alerts and its metadata."""

    events: list[AlertEvent]
    status: Literal["firing", "resolved"]
    group_key: str | None = None
    receiver: str | None = None
    # Alerts the sender left out because of its max_alerts setting; they are not lost
    # upstream, only missing from this notification.
    truncated_alerts: int = 0
    group_labels: dict[str, str] = field(default_factory=dict)
    external_url: str | None = None
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeEvent:
    """A deploy or configuration change (PagerDuty change events)."""

    summary: str
    routing_key: str
    source_name: str | None = None
    service: str | None = None
    occurred_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)


# Lenient on purpose: labels from Alertmanager or Grafana are whatever rule authors
# wrote, so common spellings of "how bad" are understood rather than refused.
# fmt: off
_SEVERITY_WORDS: dict[str, Severity] = {
    "critical": "critical",
    "crit": "critical",
    "page": "critical",
    "fatal": "critical",
    "emergency": "critical",
    "emerg": "critical",
    "alert": "critical",
    "disaster": "critical",
    "p1": "critical",
    "sev1": "critical",
    "sev-1": "critical",
    "sev0": "critical",
    "sev-0": "critical",
    "p0": "critical",
    "error": "error",
    "err": "error",
    "high": "error",
    "major": "error",
    "p2": "error",
    "sev2": "error",
    "sev-2": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "moderate": "warning",
    "minor": "warning",
    "average": "warning",
    "p3": "warning",
    "sev3": "warning",
    "sev-3": "warning",
    "info": "info",
    "informational": "info",
    "information": "info",
    "low": "info",
    "notice": "info",
    "debug": "info",
    "none": "info",
    "ok": "info",
    "p4": "info",
    "p5": "info",
    "sev4": "info",
    "sev-4": "info",
}


def severity_from_word(word: str | None, default: Severity = "warning") -> Severity:
    """The normalized severity a free-form severity label means (`default` if unknown)."""
    if word is None:
        return default
    return _SEVERITY_WORDS.get(word.strip().lower(), default)


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 time as aware UTC; Go's zero time means "not set".

    Go marshals an unset `time.Time` as 0001-01-01T00:00:00Z, which Alertmanager and
    Grafana send as `endsAt` of a firing alert. A time without offset is taken as UTC.
    """
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError(
            "timestamp", "is not an ISO 8601 time like 2025-11-01T12:00:00Z"
        ) from None
    if parsed.year == 1:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 leaves datetime's range
        raise PydanticCustomError("timestamp", "is out of range") from None


def _timestamp_or_none(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp", "must be a string with an ISO 8601 time")
    return parse_timestamp(value)


# A time field in a wire model: ISO 8601 string, Go zero time or null → None.
Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp_or_none)]


# --- plain-case parsing -------------------------------------------------------------------
# Walking a well-formed body's dicts by hand gives the result pydantic's validation gives,
# several times faster. These helpers accept only what the strict wire models accept and
# raise `Unusual` for anything else; the parser then falls back to its pydantic model,
# which decides and words the errors. So the fast path can be wrong only by being slow.


class Unusual(Exception):
    """Not the plain case: validate with the pydantic model instead."""


def plain_str(container: dict[str, Any], name: str, default: str = "") -> str:
    """A `str` field with a default (strict: exactly a string)."""
    value = container.get(name, default)
    if type(value) is not str:
        raise Unusual
    return value


def plain_str_map(container: dict[str, Any], name: str) -> dict[str, str]:
    """A `dict[str, str]` field defaulting to {} (strict: only string values)."""
    value = container.get(name)
    if value is None:
        if name in container:
            raise Unusual
        return {}
    if type(value) is not dict:
        raise Unusual
    for key, item in value.items():
        if type(item) is not str or type(key) is not str:
            raise Unusual
    return value


def plain_time(
    container: dict[str, Any], name: str, seen: dict[str, datetime | None]
) -> datetime | None:
    """A `Timestamp` field (absent or null: None); `seen` remembers parsed strings."""
    value = container.get(name)
    if value is None:
        return None
    if type(value) is not str:
        raise Unusual
    if value not in seen:
        try:
            seen[value] = parse_timestamp(value)
        except PydanticCustomError:
            raise Unusual from None
    return seen[value]


def epoch_to_datetime(value: float) -> datetime:
    """Seconds or milliseconds since the epoch (told apart by size) as aware UTC."""
    try:
        value = float(value)  # a JSON integer can be too large for a float
    except OverflowError:
        raise PydanticCustomError("timestamp", "is out of range") from None
    if not math.isfinite(value):
        raise PydanticCustomError("timestamp", "is not a finite number")
    # 1e11 seconds is the year 5138, 1e11 milliseconds is 1973: anything above is ms.
    seconds = value / 1000 if abs(value) >= 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PydanticCustomError("timestamp", "is out of range") from None


def content_key(prefix: str, *parts: object) -> str:
    """A stable dedup key from content: the same content always gives the same key."""
    # ensure_ascii escapes lone surrogates that json.loads may produce, so encoding
    # never fails.
    text = json.dumps(parts, sort_keys=True, default=str)
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def first_present(mapping: Mapping[str, str], keys: Iterable[str]) -> str | None:
    """The first non-blank value among `keys` in `mapping`."""
    for key in keys:
        value = mapping.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def link(href: str | None, text: str) -> list[dict[str, str]]:
    """A one-element link list, or an empty one when `href` is blank."""
    return [{"href": href, "text": text}] if href and href.strip() else []


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """`('alerts', 0, 'labels')` as `alerts[0].labels` (prefix prepended)."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _message(error: Mapping[str, Any], missing: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    messages = {
        "missing": missing,
        "string_type": "must be a string",
        "dict_type": "must be an object",
        "model_type": "must be an object",
        "model_attributes_type": "must be an object",
        "list_type": "must be an array",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "int_type": "must be an integer",
        "int_parsing": "must be an integer",
        "int_from_float": "must be an integer",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "extra_forbidden": "is not a known field",
        "literal_error": f"must be {ctx.get('expected')}",
        "string_too_long": f"is too long (maximum {ctx.get('max_length')} characters)",
        "string_too_short": "is missing or blank",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
    }
    if kind in messages:
        return messages[kind]
    message = str(error["msg"]).removeprefix("Value error, ")
    # Pydantic's remaining messages read "Input should be …"; the field name leads here.
    return message.replace("Input should be", "must be", 1)


def errors_from(exc: ValidationError, prefix: str = "", missing: str = "is required") -> list[str]:
    """Pydantic's errors as sentences naming the field: `'payload.summary' is required`."""
    out: list[str] = []
    for error in exc.errors():
        path = field_path(tuple(error["loc"]), prefix)
        if not path and error["type"] in ("model_type", "model_attributes_type", "dict_type"):
            out.append("the body must be a JSON object")
            continue
        sentence = f"'{path}' {_message(error, missing)}" if path else _message(error, missing)
        if sentence not in out:
            out.append(sentence)
    return out
