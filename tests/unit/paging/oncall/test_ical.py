"""The iCal export: what calendars see, and that it parses back to the same shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from warroom.paging.oncall.ical import from_ical, to_ical
from warroom.paging.oncall.model import Schedule
from warroom.paging.oncall.rules import Shift, shifts

STAMP = datetime(2025, 1, 1, tzinfo=UTC)

PRIMARY = Schedule.model_validate(
    {
        "name": "primary",
        "timezone": "Europe/Berlin",
        "layers": [
            {
                "name": "weekly",
                "rotation": "weekly",
                "start": "2025-03-03",
                "participants": ["alice", "bob"],
            },
            {
                "name": "office",
                "rotation": "daily",
                "start": "2025-03-01",
                "participants": ["carol", "dave"],
                "restrictions": [{"days": ["mon", "fri"], "start": "09:00", "end": "17:00"}],
            },
        ],
        "overrides": [
            {
                "person": "erin",
                "start": "2025-03-29T22:00:00+01:00",
                "end": "2025-03-30T10:00:00+02:00",
            }
        ],
    }
)


def test_one_event_per_shift_in_utc_and_it_parses_back() -> None:
    found = shifts(PRIMARY, datetime(2025, 3, 24, tzinfo=UTC), datetime(2025, 4, 7, tzinfo=UTC))
    document = to_ical("primary", found, generated_at=STAMP)

    events = Calendar.from_ical(document).walk("VEVENT")
    assert len(events) == len(found)
    first = events[0]
    assert str(first["SUMMARY"]) == f"On call: {found[0].person}"
    assert first.decoded("DTSTART") == found[0].start
    assert b"DTSTART:20250330T080000Z" in document  # erin's override ends 10:00 CEST
    assert b"TZID" not in document  # every time is written in UTC

    assert from_ical(document) == found


def test_uids_are_stable_and_distinct() -> None:
    found = shifts(PRIMARY, datetime(2025, 3, 24, tzinfo=UTC), datetime(2025, 4, 7, tzinfo=UTC))
    uids = [
        str(e["UID"])
        for e in Calendar.from_ical(to_ical("primary", found, generated_at=STAMP)).walk("VEVENT")
    ]
    again = [
        str(e["UID"])
        for e in Calendar.from_ical(
            to_ical("primary", found, generated_at=STAMP + timedelta(days=3))
        ).walk("VEVENT")
    ]
    assert uids == again
    assert len(set(uids)) == len(uids)
    other = Calendar.from_ical(to_ical("secondary", found[:1], generated_at=STAMP))
    assert str(other.walk("VEVENT")[0]["UID"]) != uids[0]


def test_export_is_deterministic_and_needs_an_aware_stamp() -> None:
    found = [Shift("alice", datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC))]
    assert to_ical("p", found, generated_at=STAMP) == to_ical("p", found, generated_at=STAMP)
    with pytest.raises(ValueError, match="aware"):
        to_ical("p", found, generated_at=datetime(2025, 1, 1))


def test_foreign_events_are_refused() -> None:
    document = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"SUMMARY:Lunch\r\nDTSTART:20250101T120000Z\r\nDTEND:20250101T130000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(ValueError, match="not an on-call event"):
        from_ical(document)
    all_day = document.replace(b"Lunch", b"On call: a").replace(
        b"DTSTART:20250101T120000Z", b"DTSTART;VALUE=DATE:20250101"
    )
    with pytest.raises(ValueError, match="needs DTSTART and DTEND with a time"):
        from_ical(all_day)
    no_end = document.replace(b"Lunch", b"On call: a").replace(b"DTEND:20250101T130000Z\r\n", b"")
    with pytest.raises(ValueError, match="needs DTSTART and DTEND with a time"):
        from_ical(no_end)


@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Etc/GMT-5"]),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=1, max_value=72),
    st.lists(st.sampled_from(["alice", "bob", "carol", "d.o-b_1"]), min_size=1, max_size=3),
)
def test_any_export_parses_back(
    timezone: str, start: date, turn_hours: int, participants: list[str]
) -> None:
    schedule = Schedule.model_validate(
        {
            "name": "p",
            "timezone": timezone,
            "layers": [
                {
                    "name": "h",
                    "rotation": "hours",
                    "turn_hours": turn_hours,
                    "handoff": "02:30",
                    "start": start.isoformat(),
                    "participants": participants,
                }
            ],
        }
    )
    window_start = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    found = shifts(schedule, window_start, window_start + timedelta(days=10))
    assert from_ical(to_ical("p", found, generated_at=STAMP)) == found
