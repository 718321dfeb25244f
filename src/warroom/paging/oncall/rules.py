"""Who is on call when: the rotation math of on-call schedules. Pure, no I/O.

The configuration shape is in `warroom.paging.oncall.model`; this module says what it means.

**Turns.** Each layer's participants take turns in list order, starting over at the end;
turn 0 starts at `start` (a local date) at the `handoff` wall-clock time. Before that the
layer has nobody.

- `daily`: a handoff every day at `handoff`, local wall-clock time.
- `weekly`: a handoff every `handoff_day` at `handoff`, local wall-clock time. When
  `start` is not a `handoff_day`, the first turn is short: it lasts until the first
  `handoff_day` after `start` (as in PagerDuty).
- `hours`: turns of exactly `turn_hours` hours of *elapsed* time from the first handoff.
  They are not pinned to the wall clock: across a daylight-saving change a 12-hour turn
  handing off at 09:00 and 21:00 hands off at 10:00 and 22:00 (spring) or 08:00 and 20:00
  (autumn). Use `daily` for handoffs that follow the clock.

Daily and weekly handoffs follow the wall clock across daylight-saving changes, so a
turn lasts 23 or 25 hours around one; wall-clock times that do not exist or happen twice
are resolved by `warroom.paging.oncall.wallclock` (the first instant after a skipped time;
the first occurrence of a repeated one).

**Restrictions** mask a layer: outside all of its restriction windows the layer has
nobody, and the layers below show through. Turns keep their pace regardless; a
restriction hides part of a turn, it does not delay it.

**Precedence.** At any instant the final schedule is: the last override (in list order)
covering the instant; otherwise the last layer (in list order, so higher layers are
listed later, as PagerDuty numbers them) that has someone; otherwise nobody.

All instants are timezone-aware; results are in UTC. Intervals are half-open [start, end).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from warroom.paging.oncall.model import Layer, Restriction, Schedule
from warroom.paging.oncall.wallclock import local_instant


@dataclass(frozen=True, slots=True)
class Shift:
    """`person` is on call in the final schedule for [start, end), both UTC."""

    person: str
    start: datetime
    end: datetime


def on_call_at(schedule: Schedule, instant: datetime) -> str | None:
    """Who is on call at `instant` in the final schedule, or None when nobody is."""
    return _Plan.of(schedule).on_call_at(_utc(instant, "instant"))


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final schedule over [start, end): sorted, non-overlapping shifts clipped to the
    window, adjacent turns of the same person merged; times when nobody is on call are
    simply absent."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return []
    plan = _Plan.of(schedule).within(start, end)
    # The final schedule can only change hands at a handoff, a restriction edge or an
    # override edge, so evaluating it once per such instant covers every moment.
    changes = sorted({start, *plan.changes_between(start, end)})
    result: list[Shift] = []
    for begin, finish in zip(changes, [*changes[1:], end], strict=True):
        person = plan.on_call_at(begin)
        if person is None:
            continue
        if result and result[-1].person == person and result[-1].end == begin:
            result[-1] = Shift(person, result[-1].start, finish)
        else:
            result.append(Shift(person, begin, finish))
    return result


def next_shifts(schedule: Schedule, now: datetime, horizon: timedelta) -> list[Shift]:
    """The shifts of the next `horizon` (`warroom oncall --next 7d`); the current shift,
    if any, comes first, starting at `now`."""
    if horizon <= timedelta(0):
        raise ValueError("the horizon must be positive")
    return shifts(schedule, now, now + horizon)


def _utc(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {instant.isoformat()}")
    return instant.astimezone(UTC)


class _Turns(Protocol):
    """The handoff instants of a rotation: boundary(k) starts turn k; strictly increasing."""

    def boundary(self, turn: int) -> datetime: ...

    def estimate(self, instant: datetime) -> int:
        """A turn number at most one or two away from the turn holding `instant`."""
        ...


@dataclass(frozen=True, slots=True)
class _WallClockTurns:
    """Daily and weekly turns: handoffs at a wall-clock time every `period_days` days."""

    zone: ZoneInfo
    handoff: time
    start: date
    first_handoff: date  # the local date of boundary(1)
    period_days: int

    def boundary(self, turn: int) -> datetime:
        if turn == 0:
            day = self.start
        else:
            day = self.first_handoff + timedelta(days=self.period_days * (turn - 1))
        return local_instant(day, self.handoff, self.zone)

    def estimate(self, instant: datetime) -> int:
        day = instant.astimezone(self.zone).date()
        if day < self.first_handoff:
            return 0
        return 1 + (day - self.first_handoff).days // self.period_days


@dataclass(frozen=True, slots=True)
class _ElapsedTurns:
    """`hours` turns: a fixed length of elapsed time, whatever the wall clock does."""

    first: datetime
    length: timedelta

    def boundary(self, turn: int) -> datetime:
        return self.first + turn * self.length

    def estimate(self, instant: datetime) -> int:
        return (instant - self.first) // self.length


def _turns(layer: Layer, zone: ZoneInfo) -> _Turns:
    if layer.rotation == "hours":
        assert layer.turn_hours is not None  # the model requires it for hours
        first = local_instant(layer.start, layer.handoff, zone)
        return _ElapsedTurns(first, timedelta(hours=layer.turn_hours))
    if layer.rotation == "daily":
        return _WallClockTurns(zone, layer.handoff, layer.start, layer.start + timedelta(1), 1)
    days_to_handoff = (layer.handoff_weekday() - layer.start.weekday()) % 7 or 7
    first_handoff = layer.start + timedelta(days=days_to_handoff)
    return _WallClockTurns(zone, layer.handoff, layer.start, first_handoff, 7)


def _turn_at(turns: _Turns, instant: datetime) -> int | None:
    if instant < turns.boundary(0):
        return None
    turn = max(0, turns.estimate(instant))
    while turn > 0 and turns.boundary(turn) > instant:
        turn -= 1
    while turns.boundary(turn + 1) <= instant:
        turn += 1
    return turn


def _handoffs_between(turns: _Turns, start: datetime, end: datetime) -> Iterator[datetime]:
    current = _turn_at(turns, start)
    turn = 0 if current is None else current + 1
    while (handoff := turns.boundary(turn)) < end:
        yield handoff
        turn += 1


@dataclass(frozen=True, slots=True)
class _Window:
    """A restriction as instants: on `days`, from `start` until `end` (maybe next day)."""

    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def of(cls, restriction: Restriction) -> _Window:
        return cls(restriction.weekday_numbers(), restriction.start, restriction.end)

    def on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The window opening on local `day`, if it opens that day."""
        if day.weekday() not in self.days:
            return None
        end_day = day if self.end > self.start else day + timedelta(days=1)
        return local_instant(day, self.start, zone), local_instant(end_day, self.end, zone)


@dataclass(frozen=True, slots=True)
class _CompiledLayer:
    participants: tuple[str, ...]
    turns: _Turns
    windows: tuple[_Window, ...]
    zone: ZoneInfo

    @classmethod
    def of(cls, layer: Layer, zone: ZoneInfo) -> _CompiledLayer:
        windows = tuple(_Window.of(r) for r in layer.restrictions)
        return cls(tuple(layer.participants), _turns(layer, zone), windows, zone)

    def on_call_at(self, instant: datetime) -> str | None:
        if self.windows and not self._open_at(instant):
            return None
        turn = _turn_at(self.turns, instant)
        return None if turn is None else self.participants[turn % len(self.participants)]

    def _open_at(self, instant: datetime) -> bool:
        today = instant.astimezone(self.zone).date()
        # A window lasts at most a day, so only those opening today or yesterday matter.
        for day in (today - timedelta(days=1), today):
            for window in self.windows:
                span = window.on(day, self.zone)
                if span is not None and span[0] <= instant < span[1]:
                    return True
        return False

    def changes_between(self, start: datetime, end: datetime) -> Iterator[datetime]:
        yield from _handoffs_between(self.turns, start, end)
        if not self.windows:
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for window in self.windows:
                span = window.on(day, self.zone)
                if span is not None:
                    yield from (edge for edge in span if start < edge < end)
            day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _Cover:
    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class _Plan:
    """A schedule compiled for evaluation: zones resolved, overrides in UTC."""

    layers: tuple[_CompiledLayer, ...]
    overrides: tuple[_Cover, ...]

    @classmethod
    def of(cls, schedule: Schedule) -> _Plan:
        zone = schedule.zone()
        return cls(
            tuple(_CompiledLayer.of(layer, zone) for layer in schedule.layers),
            tuple(
                _Cover(o.person, o.start.astimezone(UTC), o.end.astimezone(UTC))
                for o in schedule.overrides
            ),
        )

    def within(self, start: datetime, end: datetime) -> _Plan:
        """The same plan without the overrides that cannot matter in [start, end)."""
        relevant = tuple(o for o in self.overrides if o.start < end and start < o.end)
        return _Plan(self.layers, relevant)

    def on_call_at(self, instant: datetime) -> str | None:
        for override in reversed(self.overrides):
            if override.start <= instant < override.end:
                return override.person
        return _top_person(self.layers, instant)

    def changes_between(self, start: datetime, end: datetime) -> Iterator[datetime]:
        for layer in self.layers:
            yield from layer.changes_between(start, end)
        for override in self.overrides:
            yield from (edge for edge in (override.start, override.end) if start < edge < end)


def _top_person(layers: Sequence[_CompiledLayer], instant: datetime) -> str | None:
    for layer in reversed(layers):
        person = layer.on_call_at(instant)
        if person is not None:
            return person
    return None
