"""Concrete rotations, with the 2025 daylight-saving changes spelled out in UTC.

Berlin: CET (+1) until 2025-03-30 01:00Z, CEST (+2) until 2025-10-26 01:00Z.
New York: EST (-5) until 2025-03-09 07:00Z, EDT (-4) until 2025-11-02 06:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from warroom.paging.oncall.model import Schedule
from warroom.paging.oncall.rules import Shift, next_shifts, on_call_at, shifts


def z(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def layer(**fields: Any) -> dict[str, Any]:
    return {"name": "l", "rotation": "daily", "participants": ["alice", "bob"], **fields}


def schedule(timezone: str, *layers: dict[str, Any], overrides: Any = ()) -> Schedule:
    return Schedule.model_validate(
        {"name": "primary", "timezone": timezone, "layers": layers, "overrides": list(overrides)}
    )


def handoffs(found: list[Shift]) -> list[datetime]:
    return [shift.start for shift in found[1:]]


def test_daily_handoff_follows_berlin_wall_clock_through_spring_forward() -> None:
    s = schedule("Europe/Berlin", layer(handoff="09:00", start=date(2025, 3, 28)))
    found = shifts(s, z(2025, 3, 28), z(2025, 4, 1))
    assert found == [
        Shift("alice", z(2025, 3, 28, 8), z(2025, 3, 29, 8)),
        Shift("bob", z(2025, 3, 29, 8), z(2025, 3, 30, 7)),  # 23 hours
        Shift("alice", z(2025, 3, 30, 7), z(2025, 3, 31, 7)),
        Shift("bob", z(2025, 3, 31, 7), z(2025, 4, 1)),
    ]


def test_daily_handoff_follows_berlin_wall_clock_through_fall_back() -> None:
    s = schedule("Europe/Berlin", layer(handoff="09:00", start=date(2025, 10, 1)))
    assert handoffs(shifts(s, z(2025, 10, 24, 12), z(2025, 10, 28))) == [
        z(2025, 10, 25, 7),
        z(2025, 10, 26, 8),  # the 26th lasts 25 hours: 09:00 local is now 08:00Z
        z(2025, 10, 27, 8),
    ]
    assert on_call_at(s, z(2025, 10, 26, 7, 59)) == on_call_at(s, z(2025, 10, 25, 7))
    assert on_call_at(s, z(2025, 10, 26, 8)) != on_call_at(s, z(2025, 10, 26, 7, 59))


def test_handoff_in_the_spring_gap_moves_to_the_jump_and_repeated_time_uses_the_first() -> None:
    s = schedule("Europe/Berlin", layer(handoff="02:30", start=date(2025, 3, 1)))
    assert handoffs(shifts(s, z(2025, 3, 28, 12), z(2025, 4, 1))) == [
        z(2025, 3, 29, 1, 30),  # 02:30 CET
        z(2025, 3, 30, 1),  # 02:30 does not exist: 03:00 CEST, when the clocks jump
        z(2025, 3, 31, 0, 30),  # 02:30 CEST
    ]
    assert handoffs(shifts(s, z(2025, 10, 24, 12), z(2025, 10, 28))) == [
        z(2025, 10, 25, 0, 30),  # 02:30 CEST
        z(2025, 10, 26, 0, 30),  # 02:30 happens twice: the first, still CEST
        z(2025, 10, 27, 1, 30),  # 02:30 CET
    ]


def test_new_york_daily_handoffs_across_both_2025_changes() -> None:
    s = schedule("America/New_York", layer(handoff="09:00", start=date(2025, 1, 1)))
    assert handoffs(shifts(s, z(2025, 3, 7, 20), z(2025, 3, 11))) == [
        z(2025, 3, 8, 14),
        z(2025, 3, 9, 13),
        z(2025, 3, 10, 13),
    ]
    assert handoffs(shifts(s, z(2025, 10, 31, 20), z(2025, 11, 4))) == [
        z(2025, 11, 1, 13),
        z(2025, 11, 2, 14),
        z(2025, 11, 3, 14),
    ]
    early = schedule("America/New_York", layer(handoff="02:30", start=date(2025, 1, 1)))
    assert z(2025, 3, 9, 7) in handoffs(shifts(early, z(2025, 3, 8, 12), z(2025, 3, 10)))
    late = schedule("America/New_York", layer(handoff="01:30", start=date(2025, 1, 1)))
    assert handoffs(shifts(late, z(2025, 11, 1, 12), z(2025, 11, 3, 12))) == [
        z(2025, 11, 2, 5, 30),  # 01:30 EDT, the first of the two
        z(2025, 11, 3, 6, 30),  # 01:30 EST
    ]


def test_weekly_turns_start_short_when_start_is_not_the_handoff_day() -> None:
    s = schedule(
        "Europe/Berlin",
        layer(
            rotation="weekly",
            handoff_day="mon",
            start=date(2025, 1, 8),  # a Wednesday
            participants=["alice", "bob", "carol"],
        ),
    )
    assert shifts(s, z(2025, 1, 1), z(2025, 2, 4)) == [
        Shift("alice", z(2025, 1, 8, 8), z(2025, 1, 13, 8)),
        Shift("bob", z(2025, 1, 13, 8), z(2025, 1, 20, 8)),
        Shift("carol", z(2025, 1, 20, 8), z(2025, 1, 27, 8)),
        Shift("alice", z(2025, 1, 27, 8), z(2025, 2, 3, 8)),
        Shift("bob", z(2025, 2, 3, 8), z(2025, 2, 4)),
    ]
    assert on_call_at(s, z(2025, 1, 8, 7, 59)) is None  # before the first turn


def test_weekly_handoff_day_defaults_to_the_start_weekday_and_keeps_wall_clock() -> None:
    s = schedule("Europe/Berlin", layer(rotation="weekly", start=date(2025, 3, 24)))
    assert shifts(s, z(2025, 3, 24), z(2025, 4, 8)) == [
        Shift("alice", z(2025, 3, 24, 8), z(2025, 3, 31, 7)),  # 167 hours
        Shift("bob", z(2025, 3, 31, 7), z(2025, 4, 7, 7)),
        Shift("alice", z(2025, 4, 7, 7), z(2025, 4, 8)),
    ]


def test_hour_turns_count_elapsed_time_so_the_wall_clock_handoff_moves() -> None:
    s = schedule(
        "Europe/Berlin",
        layer(rotation="hours", turn_hours=12, handoff="09:00", start=date(2025, 3, 29)),
    )
    assert handoffs(shifts(s, z(2025, 3, 29, 8), z(2025, 3, 31))) == [
        z(2025, 3, 29, 20),  # 21:00 CET
        z(2025, 3, 30, 8),  # 10:00 CEST: twelve hours later, not 09:00
        z(2025, 3, 30, 20),
    ]
    assert on_call_at(s, z(2025, 3, 30, 8)) == "alice"


def test_single_participant_turns_merge_into_one_shift() -> None:
    s = schedule("UTC", layer(participants=["alice"], start=date(2025, 1, 1)))
    assert shifts(s, z(2025, 2, 1), z(2025, 3, 1)) == [Shift("alice", z(2025, 2, 1), z(2025, 3, 1))]


def test_higher_layer_wins_inside_its_restriction_and_lower_shows_through_outside() -> None:
    s = schedule(
        "Europe/Berlin",
        layer(name="base", rotation="weekly", start=date(2025, 3, 24)),
        layer(
            name="office",
            participants=["carol"],
            start=date(2025, 3, 1),
            restrictions=[
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
            ],
        ),
    )
    assert shifts(s, z(2025, 3, 28), z(2025, 4, 1)) == [
        Shift("alice", z(2025, 3, 28), z(2025, 3, 28, 8)),
        Shift("carol", z(2025, 3, 28, 8), z(2025, 3, 28, 16)),  # Friday, CET
        Shift("alice", z(2025, 3, 28, 16), z(2025, 3, 31, 7)),
        Shift("carol", z(2025, 3, 31, 7), z(2025, 3, 31, 15)),  # Monday, CEST
        Shift("bob", z(2025, 3, 31, 15), z(2025, 4, 1)),
    ]


def test_restriction_past_midnight_and_gaps_where_nobody_is_on_call() -> None:
    s = schedule(
        "America/New_York",
        layer(
            participants=["nightowl"],
            start=date(2025, 1, 1),
            restrictions=[{"days": ["sat"], "start": "22:00", "end": "06:00"}],
        ),
    )
    assert shifts(s, z(2025, 3, 7), z(2025, 3, 14)) == [
        # Saturday 22:00 EST to Sunday 06:00 EDT: seven hours, the clocks jumped.
        Shift("nightowl", z(2025, 3, 9, 3), z(2025, 3, 9, 10)),
    ]
    assert on_call_at(s, z(2025, 3, 9, 2, 59)) is None
    assert on_call_at(s, z(2025, 3, 9, 9, 59)) == "nightowl"
    assert on_call_at(s, z(2025, 3, 9, 10)) is None


def test_overrides_beat_every_layer_and_later_overrides_beat_earlier_ones() -> None:
    s = schedule(
        "Europe/Berlin",
        layer(name="base", start=date(2025, 10, 1)),
        layer(name="top", participants=["carol"], start=date(2025, 10, 1)),
        overrides=[
            {
                "person": "dave",
                "start": "2025-11-01T09:00:00+01:00",
                "end": "2025-11-02T09:00:00+01:00",
            },
            {"person": "erin", "start": "2025-11-01T12:00:00Z", "end": "2025-11-01T13:00:00Z"},
        ],
    )
    assert shifts(s, z(2025, 11, 1), z(2025, 11, 3)) == [
        Shift("carol", z(2025, 11, 1), z(2025, 11, 1, 8)),
        Shift("dave", z(2025, 11, 1, 8), z(2025, 11, 1, 12)),
        Shift("erin", z(2025, 11, 1, 12), z(2025, 11, 1, 13)),
        Shift("dave", z(2025, 11, 1, 13), z(2025, 11, 2, 8)),
        Shift("carol", z(2025, 11, 2, 8), z(2025, 11, 3)),
    ]


def test_override_fills_a_gap_where_no_layer_has_anyone() -> None:
    s = schedule(
        "UTC",
        layer(start=date(2025, 6, 1)),
        overrides=[
            {"person": "dave", "start": "2025-05-31T20:00:00Z", "end": "2025-06-01T10:00:00Z"}
        ],
    )
    assert shifts(s, z(2025, 5, 31), z(2025, 6, 2)) == [
        Shift("dave", z(2025, 5, 31, 20), z(2025, 6, 1, 10)),
        Shift("alice", z(2025, 6, 1, 10), z(2025, 6, 2)),  # alice's turn began at 09:00
    ]


def test_next_shifts_starts_now_and_spans_the_horizon() -> None:
    s = schedule("Europe/Berlin", layer(start=date(2025, 1, 1)))
    now = z(2025, 10, 25, 12, 34)
    found = next_shifts(s, now, timedelta(days=2))
    assert found[0].start == now
    assert found[-1].end == now + timedelta(days=2)
    assert [shift.start for shift in found[1:]] == [z(2025, 10, 26, 8), z(2025, 10, 27, 8)]
    with pytest.raises(ValueError, match="positive"):
        next_shifts(s, now, timedelta(0))


def test_inputs_must_be_aware_and_results_are_utc() -> None:
    s = schedule("Europe/Berlin", layer(start=date(2025, 1, 1)))
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call_at(s, datetime(2025, 1, 2, 12))
    berlin_noon = datetime.fromisoformat("2025-01-02T12:00:00+01:00")
    found = shifts(s, berlin_noon, berlin_noon + timedelta(hours=1))
    assert found == [Shift("bob", z(2025, 1, 2, 11), z(2025, 1, 2, 12))]
    assert shifts(s, berlin_noon, berlin_noon) == []


def test_a_year_of_a_three_layer_schedule_is_computed_from_boundaries() -> None:
    s = schedule(
        "America/New_York",
        layer(
            name="weekly", rotation="weekly", participants=["a", "b", "c"], start=date(2025, 1, 6)
        ),
        layer(
            name="daily",
            participants=["d", "e"],
            start=date(2025, 1, 1),
            restrictions=[{"days": ["mon", "wed", "fri"], "start": "08:00", "end": "18:00"}],
        ),
        layer(
            name="hours",
            rotation="hours",
            turn_hours=6,
            participants=["f", "g"],
            start=date(2025, 1, 1),
            restrictions=[{"days": ["sat", "sun"], "start": "10:00", "end": "14:00"}],
        ),
    )
    found = shifts(s, z(2025, 1, 6, 14), z(2026, 1, 5, 14))
    assert found[0].start == z(2025, 1, 6, 14)
    assert found[-1].end == z(2026, 1, 5, 14)
    # The weekly layer covers everything; restricted layers only punch windows into it.
    assert all(a.end == b.start for a, b in pairwise(found))
    # Mon/Wed/Fri windows, each split by the 09:00 handoff: 08:00-09:00 and 09:00-18:00;
    # the year starts at 09:00 on a Monday and ends at 09:00 on one.
    assert sum(1 for shift in found if shift.person in {"d", "e"}) == 52 * 3 * 2
