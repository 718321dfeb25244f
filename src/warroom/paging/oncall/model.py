"""The on-call schedule configuration: what the `schedules:` section of the YAML means.

```yaml
schedules:
  - name: primary
    timezone: Europe/Berlin          # IANA name; all wall-clock times below are in it
    layers:                          # later layers sit on top of earlier ones
      - name: weekly
        rotation: weekly             # daily | weekly | hours
        handoff: "09:00"             # wall-clock time of each handoff (quote it)
        handoff_day: mon             # weekly only; defaults to the weekday of `start`
        start: 2025-01-06            # local date of the first turn (at `handoff`)
        participants: [alice, bob, carol]
      - name: business-hours
        rotation: hours
        turn_hours: 12               # hours only: turns of 12 hours of elapsed time
        handoff: "08:00"             # the first turn starts at start + handoff
        start: 2025-01-06
        participants: [dave, erin]
        restrictions:                # optional: the layer only covers these windows
          - days: [mon, tue, wed, thu, fri]
            start: "09:00"
            end: "17:00"             # end <= start: the window runs past midnight
    overrides:                       # beat every layer; later overrides beat earlier ones
      - person: frank
        start: 2025-11-01T09:00:00+01:00
        end: 2025-11-02T09:00:00+01:00
```

The meaning of every field (turns, restrictions, daylight-saving rules) is in
`warroom.paging.oncall.rules`. Wall-clock times are strings: unquoted YAML `9:00` is the
integer 540 (a base-60 literal) and is refused rather than read as 00:09.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from warroom.zones import TimeZoneName

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[WeekdayName, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

_WALL_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _wall_clock(value: object) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None or value.microsecond:
            raise ValueError("a wall-clock time has no zone and no fractions of a second")
        return value
    if isinstance(value, int):
        # YAML 1.1 reads an unquoted 17:00 as the base-60 integer 1020.
        raise ValueError('write wall-clock times as quoted strings, e.g. "17:00"')
    if not isinstance(value, str) or not (match := _WALL_CLOCK.match(value.strip())):
        raise ValueError(f'{value!r} is not a wall-clock time like "09:00"')
    hour, minute, second = (int(part) if part else 0 for part in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute, second)


def _weekday(value: object) -> object:
    # Accept "Monday", "MON" and "mon" alike, as business_hours.days does.
    return value.strip().lower()[:3] if isinstance(value, str) else value


WallClock = Annotated[time, BeforeValidator(_wall_clock)]
Weekday = Annotated[WeekdayName, BeforeValidator(_weekday)]
Handle = Annotated[str, Field(pattern=NAME_PATTERN, max_length=100)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Restriction(_Strict):
    """A recurring window in which the layer covers; outside all of them it has nobody.

    On each of `days` the window runs from `start` to `end` (local wall-clock); when `end`
    is not after `start` it ends on the next day (`"22:00"`-`"06:00"` is a night,
    `"09:00"`-`"09:00"` a full day).
    """

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    start: WallClock
    end: WallClock

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class Layer(_Strict):
    """One rotation of participants taking turns."""

    name: Name
    rotation: Literal["daily", "weekly", "hours"]
    handoff: WallClock = time(9, 0)
    handoff_day: Weekday | None = None
    turn_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    start: date
    participants: list[Handle] = Field(min_length=1)
    restrictions: list[Restriction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rotation_fields(self) -> Self:
        if self.rotation == "hours" and self.turn_hours is None:
            raise ValueError("an hours rotation needs turn_hours (the length of a turn)")
        if self.rotation != "hours" and self.turn_hours is not None:
            raise ValueError(f"turn_hours only applies to rotation: hours, not {self.rotation}")
        if self.rotation != "weekly" and self.handoff_day is not None:
            raise ValueError(f"handoff_day only applies to rotation: weekly, not {self.rotation}")
        return self

    def handoff_weekday(self) -> int:
        """Monday=0; a weekly rotation without handoff_day hands off on `start`'s weekday."""
        if self.handoff_day is None:
            return self.start.weekday()
        return WEEKDAYS.index(self.handoff_day)


class Override(_Strict):
    """`person` is on call for [start, end), whatever the layers say."""

    person: Handle
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"override for {self.person} ends ({self.end.isoformat()}) "
                f"before it starts ({self.start.isoformat()})"
            )
        return self


class Schedule(_Strict):
    """Layers stacked bottom to top, then overrides on top of everything."""

    name: Handle
    timezone: TimeZoneName = "UTC"
    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("layers")
    @classmethod
    def _unique_layer_names(cls, layers: list[Layer]) -> list[Layer]:
        names = [layer.name for layer in layers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"layer names must be unique; repeated: {', '.join(duplicates)}")
        return layers

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
