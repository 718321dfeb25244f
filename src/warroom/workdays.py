"""Business days and hours: when "next business day" falls, and when business hours are
next open, in the organisation's time zone.

Pure: the holiday calendar comes from the `holidays` package, nothing else is read.
Wall-clock times become instants by `oncall.wallclock.local_instant` (one rule for the
daylight-saving edges, shared with the schedules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from warroom.paging.oncall.wallclock import local_instant


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    weekdays: frozenset[int] = frozenset(range(5))  # Monday=0
    start: time = time(9, 0)
    holiday_country: str | None = None
    end: time = time(17, 0)
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
                return local_instant(day, self.start, self.zone)
            day += timedelta(days=1)
        raise ValueError("no business day within a year; check working days and holidays")

    def next_business_day_end(self, instant: datetime) -> datetime:
        """End of business on the first working day strictly after `instant`'s local date:
        a "next business day" response is due by then, so a low-urgency page that waits
        for the morning still has the day to be answered in."""
        day = self.next_business_day_start(instant).astimezone(self.zone).date()
        return local_instant(day, self.end, self.zone)

    def is_open(self, instant: datetime) -> bool:
        """Whether `instant` falls in business hours: a business day, start <= t < end."""
        day = instant.astimezone(self.zone).date()
        if not self.is_business_day(day):
            return False
        opens, closes = self._hours(day)
        return opens <= instant < closes

    def next_open(self, instant: datetime) -> datetime:
        """`instant` itself in business hours, else when business hours next begin."""
        day = instant.astimezone(self.zone).date()
        if self.is_business_day(day):
            opens, closes = self._hours(day)
            if instant < opens:
                return opens
            if instant < closes:
                return instant
        return self.next_business_day_start(instant)

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        return local_instant(day, self.start, self.zone), local_instant(day, self.end, self.zone)
