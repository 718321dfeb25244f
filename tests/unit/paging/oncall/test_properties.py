"""Properties of the final schedule over random schedules, windows and zones.

Windows and anchors cluster around the 2025 daylight-saving changes of Berlin and New
York; handoff and restriction times include the ones those changes skip or repeat.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from warroom.paging.oncall.model import WEEKDAYS, Schedule
from warroom.paging.oncall.rules import Shift, on_call_at, shifts

ZONES = ["Europe/Berlin", "America/New_York", "Etc/GMT-5"]
PEOPLE = ["alice", "bob", "carol", "dave"]
DST_DAYS = [date(2025, 3, 9), date(2025, 3, 30), date(2025, 10, 26), date(2025, 11, 2)]
EDGE_TIMES = [time(0), time(1), time(1, 30), time(2), time(2, 30), time(3), time(23, 30)]
SECOND = timedelta(seconds=1)

wall_times = st.one_of(
    st.sampled_from(EDGE_TIMES), st.builds(time, st.integers(0, 23), st.integers(0, 59))
)
days = st.one_of(
    st.builds(lambda d, n: d + timedelta(days=n), st.sampled_from(DST_DAYS), st.integers(-30, 5)),
    st.dates(min_value=date(2024, 6, 1), max_value=date(2026, 6, 1)),
)
instants = st.builds(
    lambda d, minutes: datetime.combine(d, time(), tzinfo=UTC) + timedelta(minutes=minutes),
    days,
    st.integers(-3 * 1440, 3 * 1440),
)
lengths = st.builds(lambda minutes: timedelta(minutes=minutes), st.integers(1, 21 * 1440))


def clock(value: time) -> str:
    return f"{value:%H:%M}"


restrictions = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
        "start": wall_times.map(clock),
        "end": wall_times.map(clock),
    }
)


@st.composite
def layers(
    draw: st.DrawFn, index: int, *, distinct: bool = False, restricted: bool = True
) -> dict[str, Any]:
    rotation = draw(st.sampled_from(["daily", "weekly", "hours"]))
    people = st.lists(
        st.sampled_from(PEOPLE), min_size=2 if distinct else 1, max_size=4, unique=distinct
    )
    layer: dict[str, Any] = {
        "name": f"layer{index}",
        "rotation": rotation,
        "handoff": clock(draw(wall_times)),
        "start": draw(days).isoformat(),
        "participants": draw(people),
        "restrictions": draw(st.lists(restrictions, max_size=2)) if restricted else [],
    }
    if rotation == "weekly" and draw(st.booleans()):
        layer["handoff_day"] = draw(st.sampled_from(WEEKDAYS))
    if rotation == "hours":
        layer["turn_hours"] = draw(st.integers(1, 72))
    return layer


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    count = draw(st.integers(1, 3))
    overrides = draw(
        st.lists(
            st.builds(
                lambda person, start, length: {
                    "person": person,
                    "start": start,
                    "end": start + length,
                },
                st.sampled_from([*PEOPLE, "erin"]),
                instants,
                lengths,
            ),
            max_size=3,
        )
    )
    return Schedule.model_validate(
        {
            "name": "random",
            "timezone": draw(st.sampled_from(ZONES)),
            "layers": [draw(layers(i)) for i in range(count)],
            "overrides": overrides,
        }
    )


def holder(found: list[Shift], instant: datetime) -> str | None:
    """Who the shifts say is on call at `instant`."""
    index = bisect_right([shift.start for shift in found], instant) - 1
    if index >= 0 and instant < found[index].end:
        return found[index].person
    return None


def by_precedence(schedule: Schedule, instant: datetime) -> str | None:
    """The precedence rule read literally, from each layer evaluated on its own."""
    covering = [o.person for o in schedule.overrides if o.start <= instant < o.end]
    if covering:
        return covering[-1]
    for layer in reversed(schedule.layers):
        alone = schedule.model_copy(update={"layers": [layer], "overrides": []})
        person = on_call_at(alone, instant)
        if person is not None:
            return person
    return None


@given(schedules(), instants, lengths, st.lists(st.integers(0, 10**9), max_size=8))
def test_shifts_tile_the_window_and_agree_with_on_call_at(
    schedule: Schedule, start: datetime, length: timedelta, probes: list[int]
) -> None:
    end = start + length
    found = shifts(schedule, start, end)

    for shift in found:
        assert start <= shift.start < shift.end <= end
        assert shift.start.tzinfo is UTC
    for earlier, later in pairwise(found):
        assert earlier.end <= later.start  # sorted, no overlap
        assert not (earlier.end == later.start and earlier.person == later.person)  # merged

    edges = {instant for shift in found for instant in (shift.start, shift.end)}
    near_edges = {edge + step for edge in edges for step in (-SECOND, 0 * SECOND, SECOND)}
    randoms = {start + length * (probe / 10**9) for probe in probes}
    for instant in sorted(t for t in near_edges | randoms | {start} if start <= t < end):
        assert on_call_at(schedule, instant) == holder(found, instant), instant
    first_edges = {edge for shift in found[:5] for edge in (shift.start, shift.end)}
    for instant in sorted(randoms | first_edges | {start}):
        if start <= instant < end:
            assert holder(found, instant) == by_precedence(schedule, instant), instant


def exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


@given(st.sampled_from(ZONES), layers(0, distinct=True, restricted=False), instants, lengths)
def test_handoffs_happen_at_the_configured_wall_clock_time(
    timezone: str, layer: dict[str, Any], start: datetime, length: timedelta
) -> None:
    schedule = Schedule.model_validate({"name": "one", "timezone": timezone, "layers": [layer]})
    zone, config = ZoneInfo(timezone), schedule.layers[0]
    found = shifts(schedule, start, start + length)
    handoffs = [shift.start for shift in found if shift.start > start]
    first = next(iter(shifts(schedule, datetime(2000, 1, 1, tzinfo=UTC), start + length)), None)

    for shift, following in pairwise(found):
        assert shift.end == following.start  # an unrestricted layer leaves no gaps once begun

    if config.rotation == "hours":
        assert first is not None or not found
        for handoff in handoffs:
            assert first is not None
            assert (handoff - first.start) % timedelta(hours=config.turn_hours or 0) == timedelta()
        return

    for handoff in handoffs:
        local = handoff.astimezone(zone)
        if exists(local.date(), config.handoff, zone):
            assert local.time() == config.handoff
        else:  # skipped by spring forward: the first instant after the jump
            assert local.time() > config.handoff
            assert (handoff - SECOND).astimezone(zone).time() < config.handoff
        if config.rotation == "weekly" and local.date() != config.start:
            assert local.weekday() == config.handoff_weekday()
    for earlier, later in pairwise(handoffs):
        gap_days = (later.astimezone(zone).date() - earlier.astimezone(zone).date()).days
        if config.rotation == "daily":
            assert gap_days == 1
        elif earlier.astimezone(zone).date() == config.start:
            assert 1 <= gap_days <= 7  # the first weekly turn may be short
        else:
            assert gap_days == 7
