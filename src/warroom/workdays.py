"""Business days: when "next business day" falls, in the organisation's time zone.

Pure: the holiday calendar comes from the `holidays` package, nothing else is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    weekdays: frozenset[int] = frozenset(range(5))  # Monday=0
    start: time = time(9, 0)
    holiday_country: str | None = None
    _cache: dict[int, holidays.HolidayBase] = field(default_factory=dict, compare=False)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not self._is_holiday(day)

    def _is_holiday(self, day: date) -> bool:
        if self.holiday_country is None:
            return False
        calendar = self._cache.get(day.year)
        if calendar is None:
            country, _, subdivision = self.holiday_country.partition("-")
            calendar = holidays.country_holidays(
                country, subdiv=subdivision or None, years=day.year
            )
            self._cache[day.year] = calendar
        return day in calendar

    def next_business_day_start(self, instant: datetime) -> datetime:
        """Start of business on the first working day strictly after `instant`'s local date."""
        day = instant.astimezone(self.zone).date() + timedelta(days=1)
        for _ in range(366):
            if self.is_business_day(day):
                return datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError("no business day within a year; check working days and holidays")
