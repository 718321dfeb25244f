"""Wall-clock times to instants, checked against a brute-force reading of the rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from warroom.paging.oncall.wallclock import local_instant

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        (BERLIN, date(2025, 3, 30), time(2, 30), datetime(2025, 3, 30, 1, tzinfo=UTC)),
        (BERLIN, date(2025, 3, 30), time(2), datetime(2025, 3, 30, 1, tzinfo=UTC)),
        (BERLIN, date(2025, 3, 30), time(3), datetime(2025, 3, 30, 1, tzinfo=UTC)),
        (BERLIN, date(2025, 10, 26), time(2, 30), datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),
        (BERLIN, date(2025, 10, 26), time(3), datetime(2025, 10, 26, 2, tzinfo=UTC)),
        (NEW_YORK, date(2025, 3, 9), time(2, 59), datetime(2025, 3, 9, 7, tzinfo=UTC)),
        (NEW_YORK, date(2025, 11, 2), time(1), datetime(2025, 11, 2, 5, tzinfo=UTC)),
        (NEW_YORK, date(2025, 11, 2), time(2), datetime(2025, 11, 2, 7, tzinfo=UTC)),
    ],
)
def test_the_2025_edges(zone: ZoneInfo, day: date, wall: time, expected: datetime) -> None:
    """Skipped times land on the jump (03:00 local); repeated ones on the first (summer)."""
    assert local_instant(day, wall, zone) == expected


def first_instant_showing(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The rule read literally: the first minute whose local clock shows `wall` on `day`
    or later. No offset in these zones is beyond ±15 hours."""
    target = datetime.combine(day, wall)
    instant = datetime.combine(day, wall, tzinfo=UTC) - timedelta(hours=15)
    while instant.astimezone(zone).replace(tzinfo=None) < target:
        instant += timedelta(minutes=1)
    return instant


@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Etc/GMT-5"]),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 29, 30, 45, 59])),
)
@example("Europe/Berlin", date(2025, 3, 30), time(2, 30))
@example("Europe/Berlin", date(2025, 10, 26), time(2, 30))
@example("America/New_York", date(2025, 3, 9), time(2, 0))
@example("America/New_York", date(2025, 11, 2), time(1, 59))
@example("Australia/Lord_Howe", date(2025, 10, 5), time(2, 15))  # a half-hour jump
@example("Australia/Lord_Howe", date(2025, 4, 6), time(1, 45))
def test_matches_the_first_instant_showing_that_time(timezone: str, day: date, wall: time) -> None:
    zone = ZoneInfo(timezone)
    assert local_instant(day, wall, zone) == first_instant_showing(day, wall, zone)
