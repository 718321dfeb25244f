"""Alerts as both databases can store them, whatever the sender put in them.

An alert is never refused for a value the database cannot hold as given; intake stores a
normalised value instead, the same on SQLite and PostgreSQL (`warroom.limits` has the
column sizes). Per field:

* every string (summary, labels, annotations/details, links, keys of objects): a NUL
  character, which PostgreSQL refuses in text and JSONB, becomes U+FFFD (�); so does a
  lone UTF-16 surrogate.
* dedup key (Alertmanager/Grafana `fingerprint`, Datadog `aggregate`, …) longer than its
  column (300 characters): its first 235 characters, `~`, and the SHA-256 of the whole
  key (64 hex digits). The same key always gives the same stored key, so a trigger and
  its resolve still meet; two keys differing anywhere stay apart. (PagerDuty and generic
  keys over 255 characters are refused by their formats instead, as documented there.)
* summary: at most 1,024 characters; a longer one is cut and ends in `…`.
* service (from a label or tag): at most 200 characters, cut with `…`.
* label names at most 200 characters and values at most 1,024, cut with `…`.
* details (annotations, custom details, extra fields): nesting deeper than 32 levels is
  replaced by the string `…`; NaN and infinities become their names as strings.
* Alertmanager's `truncatedAlerts` beyond 2³¹−1 is stored as 2³¹−1 (`receipt_count`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any

from warroom import limits
from warroom.alerts.formats.model import AlertEvent, ChangeEvent

MARKER = "…"
REPLACEMENT = "\ufffd"
SUMMARY_MAX = 1024
LABEL_NAME_MAX = 200
LABEL_VALUE_MAX = 1024
_HASHED_PREFIX = limits.DEDUP_KEY - 65  # prefix, "~", 64 hex digits


def clean_text(value: str) -> str:
    """`value` without NUL characters or lone surrogates (each becomes U+FFFD)."""
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    if not value.isascii() and not _encodes(value):
        value = "".join(REPLACEMENT if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def _storable(value: str) -> bool:
    return "\x00" not in value and (value.isascii() or _encodes(value))


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cut(value: str, most: int) -> str:
    """`value` cleaned, and at most `most` characters: a longer one ends in `…`."""
    value = clean_text(value)
    return value if len(value) <= most else value[: most - 1] + MARKER


def bounded_key(key: str, most: int = limits.DEDUP_KEY) -> str:
    """A dedup key that fits its column: longer keys keep a prefix and their SHA-256."""
    key = clean_text(key)
    if len(key) <= most:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{key[: most - 65]}~{digest}"


def clean_json(value: Any, depth: int = 0) -> Any:
    """A JSON value both databases' JSON columns take (see the module docstring)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        if depth >= limits.JSON_DEPTH:
            return MARKER
        return {clean_text(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if depth >= limits.JSON_DEPTH:
            return MARKER
        return [clean_json(v, depth + 1) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _labels(labels: dict[str, str]) -> dict[str, str]:
    return {
        cut(name, LABEL_NAME_MAX): cut(value, LABEL_VALUE_MAX) for name, value in labels.items()
    }


def _links(links: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{clean_text(k): clean_text(v) for k, v in item.items()} for item in links]


def _plain(event: AlertEvent) -> bool:
    """Whether the event is storable as it is (the common case, checked cheaply)."""
    if len(event.dedup_key) > limits.DEDUP_KEY or len(event.summary) > SUMMARY_MAX:
        return False
    if event.service is not None and len(event.service) > limits.NAME:
        return False
    texts = [event.dedup_key, event.summary, event.service or "", event.source_name or ""]
    for name, value in event.labels.items():
        if len(name) > LABEL_NAME_MAX or len(value) > LABEL_VALUE_MAX:
            return False
        texts += (name, value)
    for item in event.links + event.images:
        texts += (*item.keys(), *item.values())
    return all(map(_storable, texts)) and _plain_json(event.details, 0)


def _plain_json(value: Any, depth: int) -> bool:
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, dict):
        return depth < limits.JSON_DEPTH and all(
            isinstance(k, str) and _storable(k) and _plain_json(v, depth + 1)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return depth < limits.JSON_DEPTH and all(_plain_json(v, depth + 1) for v in value)
    return not (isinstance(value, float) and not math.isfinite(value))


def storable_event(event: AlertEvent) -> AlertEvent:
    """The event as intake stores it (the same object when nothing needs changing)."""
    if _plain(event):
        return event
    return replace(
        event,
        dedup_key=bounded_key(event.dedup_key),
        summary=cut(event.summary, SUMMARY_MAX),
        service=cut(event.service, limits.NAME) if event.service is not None else None,
        source_name=clean_text(event.source_name) if event.source_name is not None else None,
        labels=_labels(event.labels),
        details=clean_json(event.details),
        links=_links(event.links),
        images=_links(event.images),
    )


def storable_change(change: ChangeEvent) -> ChangeEvent:
    """A PagerDuty change event as intake stores it (source at most 200 characters)."""
    return replace(
        change,
        summary=cut(change.summary, SUMMARY_MAX),
        source_name=cut(change.source_name, limits.NAME) if change.source_name else None,
        service=cut(change.service, limits.NAME) if change.service else None,
        details=clean_json(change.details),
        links=_links(change.links),
    )


def receipt_count(count: int) -> int:
    """A count for an INTEGER column (Alertmanager's truncatedAlerts): at most 2³¹−1."""
    return max(0, min(count, limits.INT32_MAX))
