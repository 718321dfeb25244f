"""Durations as written in runbooks, including round trips through the canonical spelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.runbooks.durations import (
    Deadline,
    DurationError,
    format_duration,
    parse_deadline,
    parse_duration,
    parse_range,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 minutes", timedelta(minutes=15)),
        ("30 min", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1 hour", timedelta(hours=1)),
        ("2 hours", timedelta(hours=2)),
        ("90s", timedelta(seconds=90)),
        ("4 hours", timedelta(hours=4)),
        ("0 min", timedelta(0)),
        ("Immediate", timedelta(0)),
        ("1h30m", timedelta(minutes=90)),
        ("1 hour 30 minutes", timedelta(minutes=90)),
        ("1.5 hours", timedelta(minutes=90)),
        ("an hour", timedelta(hours=1)),
        ("hour", timedelta(hours=1)),
        ("half an hour", timedelta(minutes=30)),
        ("**2 days**", timedelta(days=2)),
        ("  10  MINS ", timedelta(minutes=10)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "5 models", "15-30 minutes", "Next business day", "minutes 5x"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_parse_deadline() -> None:
    assert parse_deadline("Next business day") == Deadline(after=None, next_business_day=True)
    assert parse_deadline("next working day").next_business_day
    assert parse_deadline("15 minutes") == Deadline(after=timedelta(minutes=15))
    assert parse_deadline("Immediate") == Deadline(after=timedelta(0))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("0-5 minutes", timedelta(0), timedelta(minutes=5)),
        ("15–60 min", timedelta(minutes=15), timedelta(hours=1)),
        ("30 min - 1 hour", timedelta(minutes=30), timedelta(hours=1)),
        ("1 to 2 hours", timedelta(hours=1), timedelta(hours=2)),
    ],
)
def test_parse_range(text: str, start: timedelta, end: timedelta) -> None:
    assert parse_range(text) == (start, end)


def test_parse_range_rejects_backwards_range() -> None:
    with pytest.raises(DurationError):
        parse_range("10-5 minutes")


@given(st.integers(min_value=0, max_value=400 * 86400))
def test_format_then_parse_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


_SPELLINGS = {
    1: ["s", "sec", "secs", "second", "seconds"],
    60: ["m", "min", "mins", "minute", "minutes"],
    3600: ["h", "hr", "hrs", "hour", "hours"],
    86400: ["d", "day", "days"],
}


@given(
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(sorted((s, u) for s, units in _SPELLINGS.items() for u in units)),
    st.sampled_from(["", " ", "  "]),
)
def test_every_unit_spelling(count: int, unit: tuple[int, str], space: str) -> None:
    size, name = unit
    assert parse_duration(f"{count}{space}{name}") == timedelta(seconds=count * size)


@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        result = parse_duration(text)
    except DurationError:
        return
    assert result >= timedelta(0)
