"""On-call shifts as an iCalendar (RFC 5545) feed people can subscribe to.

One VEVENT per shift: SUMMARY "On call: PERSON", DTSTART/DTEND in UTC, TRANSP
TRANSPARENT (being on call does not make anyone busy), and a UID derived from the
schedule, the person and the start, so re-exporting the same shift gives the same UID and
calendar clients update the event instead of duplicating it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import TRANSP, Calendar, Event

from warroom.paging.oncall.rules import Shift

SUMMARY_PREFIX = "On call: "
PRODID = "-//warroom//on-call schedules//EN"


def to_ical(schedule_name: str, shifts: Iterable[Shift], *, generated_at: datetime) -> bytes:
    """The shifts as an iCalendar document; `generated_at` (aware) becomes each DTSTAMP,
    passed in so the export stays a pure function of its arguments."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    stamp = generated_at.astimezone(UTC)
    events = [
        Event.new(
            uid=shift_uid(schedule_name, shift),
            summary=f"{SUMMARY_PREFIX}{shift.person}",
            start=shift.start.astimezone(UTC),
            end=shift.end.astimezone(UTC),
            stamp=stamp,
            transparency=TRANSP.TRANSPARENT,
        )
        for shift in shifts
    ]
    calendar = Calendar.new(
        name=f"On call: {schedule_name}",
        prodid=PRODID,
        uid=uuid.uuid5(uuid.NAMESPACE_URL, f"warroom:oncall:{schedule_name}"),
        subcomponents=events,
    )
    document: bytes = calendar.to_ical()
    return document


def shift_uid(schedule_name: str, shift: Shift) -> str:
    """Stable across exports: the same person starting at the same instant, same UID."""
    key = f"{schedule_name}\n{shift.person}\n{shift.start.astimezone(UTC).isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@warroom"


def from_ical(data: bytes) -> list[Shift]:
    """The shifts of an export made by `to_ical`, sorted by start."""
    calendar = Calendar.from_ical(data)
    result = []
    for event in calendar.walk("VEVENT"):
        summary = str(event.get("SUMMARY", ""))
        if not summary.startswith(SUMMARY_PREFIX):
            raise ValueError(f"not an on-call event: SUMMARY {summary!r}")
        start, end = event.decoded("DTSTART", None), event.decoded("DTEND", None)
        if not (_is_instant(start) and _is_instant(end)):
            raise ValueError(f"on-call event {summary!r} needs DTSTART and DTEND with a time")
        person = summary.removeprefix(SUMMARY_PREFIX)
        result.append(Shift(person, start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(result, key=lambda shift: shift.start)


def _is_instant(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None
