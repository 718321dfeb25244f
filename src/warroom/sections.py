"""What a section of the configuration file is, and the keys no domain owns.

Each domain declares its keys as a model (a mixin of `Config`) and its checks as
functions of the whole configuration returning `(path in the file, message)` pairs;
`warroom.domain_config` lists the sections and composes `Config` from them, and
`warroom.config` reports every finding as `FILE:LINE: key: message`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warroom.workdays import BusinessCalendar
from warroom.zones import TimeZoneName

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ConfigPath = tuple[str | int, ...]
Found = list[tuple[ConfigPath, str]]
Check = Callable[[Any], Found]  # called with the composed Config, typed by each domain


Load = Callable[[Any, Path], Found]  # also given the directory the file's paths start from


def nothing(config: Any) -> Found:
    return []


def load_nothing(config: Any, base: Path) -> Found:
    return []


@dataclass(frozen=True)
class ConfigSection:
    """One domain's part of the file: its keys and its checks.

    `load` reads the files the section names (relative to the configuration file),
    before any check runs; `checks` are errors (cross-references, names);
    `environment` reads this process's environment (a secret that is not set): an
    error for the server, a warning when a file is checked elsewhere; `advice` only
    ever warns."""

    domain: str
    model: type[BaseModel]
    load: Load = load_nothing
    checks: Check = nothing
    environment: Check = nothing
    advice: Check = nothing


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def duplicates(kind: str, names: Iterable[str]) -> Found:
    found: Found = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            found.append(((kind, i), f"duplicate name {name!r}"))
        seen.add(name)
    return found


class BusinessHours(Strict):
    timezone: TimeZoneName = "UTC"
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: str | None = Field(default=None, description="Country code, e.g. US or DE-BY")

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.lower()[:3] for d in value]
        unknown = [d for d, v in zip(days, value, strict=True) if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(WEEKDAYS)}")
        if not days:
            raise ValueError("at least one working day is needed")
        return days

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        if value is None:
            return None
        country, _, subdivision = value.partition("-")
        try:
            holidays.country_holidays(country, subdiv=subdivision or None)
        except NotImplementedError as exc:
            raise ValueError(f"no public-holiday calendar for {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _hours(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError("end must be after start (business hours within one day)")
        return self

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.days)


class GeneralConfig(Strict):
    """`timezone:` and `business_hours:`, which every domain reads."""

    timezone: TimeZoneName = "UTC"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)

    @cached_property
    def business_calendar(self) -> BusinessCalendar:
        hours = self.business_hours
        return BusinessCalendar(
            timezone=hours.timezone,
            weekdays=hours.weekday_numbers(),
            start=hours.start,
            end=hours.end,
            holiday_country=hours.holidays,
        )
