"""Durations as people write them in runbooks: "15 minutes", "1h", "Next business day".

Pure functions. Runbooks are written by humans, so the grammar is forgiving about
spelling ("min", "mins", "minutes"), spacing ("1h30m", "1 h 30 min") and number
words ("an hour", "one day"), and strict about anything it cannot read: those
raise `DurationError` so the linter can point at the line.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

__all__ = [
    "Deadline",
    "DurationError",
    "format_duration",
    "parse_deadline",
    "parse_duration",
    "parse_range",
]


class DurationError(ValueError):
    """Text that is not a duration warroom can read."""


class Deadline(NamedTuple):
    """A response target: a delay, or "next business day" (which needs a calendar)."""

    after: timedelta | None
    next_business_day: bool = False


_UNIT_SECONDS: dict[str, int] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "wk", "wks", "week", "weeks"), 7 * 86400),
):
    for _name in _names:
        _UNIT_SECONDS[_name] = _seconds

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
}

_NUMBER = (
    r"(?:\d+(?:\.\d+)?|\.\d+|"
    + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
    + ")"
)
_UNIT = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))
# One "<number> <unit>" term; the unit must not run on into a word ("5 models").
_TERM = re.compile(rf"(?P<num>{_NUMBER})?\s*(?P<unit>{_UNIT})(?![a-z])")
_JOINERS = re.compile(r"^(?:\s|,|and\b|&)*")
_IMMEDIATE = {"immediate", "immediately", "now", "asap", "at once", "instantly"}
_NEXT_BUSINESS_DAY = re.compile(r"^next\s+(business|working)\s+day$")
_HALF = re.compile(r"^half\s+an?\s+(hour|day|minute)$")


def _normalise(text: str) -> str:
    text = text.strip().lower().replace("*", "").replace("_", " ")
    text = re.sub(r"^(?:~|approx\.?|approximately|about|up to|under|<|≤)\s*", "", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def parse_duration(text: str) -> timedelta:
    """Parse "15 minutes", "30 min", "1h", "1 hour 30 minutes", "90s", "Immediate" (zero).

    A bare unit means one of it ("hour" -> 1 h) so "every hour" reads naturally.
    """
    norm = _normalise(text)
    if not norm:
        raise DurationError("empty duration")
    if norm in _IMMEDIATE:
        return timedelta(0)
    half = _HALF.match(norm)
    if half:
        return timedelta(seconds=_UNIT_SECONDS[half.group(1)] / 2)
    if _NEXT_BUSINESS_DAY.match(norm):
        raise DurationError(f"{text!r} is a calendar deadline, not a duration")
    total = 0.0
    pos = 0
    terms = 0
    while pos < len(norm):
        pos += _JOINERS.match(norm[pos:]).end()  # type: ignore[union-attr]
        if pos >= len(norm):
            break
        term = _TERM.match(norm, pos)
        if term is None or term.end() == pos:
            raise DurationError(f"cannot read {text!r} as a duration")
        num = term.group("num")
        if num is None:
            value = 1.0
        elif num in _NUMBER_WORDS:
            value = float(_NUMBER_WORDS[num])
        else:
            value = float(num)
        total += value * _UNIT_SECONDS[term.group("unit")]
        terms += 1
        pos = term.end()
    if terms == 0:
        raise DurationError(f"cannot read {text!r} as a duration")
    try:
        return timedelta(seconds=total)
    except OverflowError:  # "1e300 days", or a float that overflowed to infinity
        raise DurationError(f"{text!r} is too long a duration") from None


def parse_deadline(text: str) -> Deadline:
    """A response-time cell: a duration, "Immediate", or "Next business day"."""
    if _NEXT_BUSINESS_DAY.match(_normalise(text)):
        return Deadline(after=None, next_business_day=True)
    return Deadline(after=parse_duration(text))


_RANGE = re.compile(r"^(?P<a>.+?)\s*(?:-|–|—|\bto\b)\s*(?P<b>.+)$")


def parse_range(text: str) -> tuple[timedelta, timedelta]:
    """Parse "0-5 minutes", "15–60 min", "30 min - 1 hour", "1 to 2 hours" into (start, end).

    A bare number on the left takes the unit of the right ("0-5 minutes").
    """
    norm = _normalise(text)
    match = _RANGE.match(norm)
    if match is None:
        raise DurationError(f"cannot read {text!r} as a range")
    left, right = match.group("a"), match.group("b")
    end = parse_duration(right)
    if re.fullmatch(r"\d+(?:\.\d+)?", left):
        unit = _TERM.search(right)
        if unit is None:
            raise DurationError(f"cannot read {text!r} as a range")
        start = timedelta(seconds=float(left) * _UNIT_SECONDS[unit.group("unit")])
    else:
        start = parse_duration(left)
    if start > end:
        raise DurationError(f"range {text!r} ends before it starts")
    return start, end


def format_duration(value: timedelta) -> str:
    """The canonical spelling, e.g. "1 hour 30 minutes"; `parse_duration` reads it back."""
    seconds = round(value.total_seconds())
    if seconds < 0:
        raise DurationError("negative durations are not written in runbooks")
    if seconds == 0:
        return "0 minutes"
    parts: list[str] = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts)
