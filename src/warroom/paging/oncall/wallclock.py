"""Wall-clock time in a zone to a UTC instant, with one rule for the daylight-saving edges.

- A wall-clock time that happens twice (fall back, e.g. 02:30 on 2025-10-26 in Berlin)
  means its **first** occurrence (fold=0), so a handoff never waits an extra hour.
- A wall-clock time that does not exist (spring forward, e.g. 02:30 on 2025-03-30 in
  Berlin) means the **first valid instant after it**: the moment the clocks jump
  (03:00 local, 01:00 UTC), not 03:30 as a naive "add the offset" would give.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=8192)
def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clocks in `zone` show `wall` on `day`."""
    naive = datetime.combine(day, wall)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if _wall(instant, zone) == naive:
        return instant
    return _end_of_gap(naive, zone)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _end_of_gap(naive: datetime, zone: ZoneInfo) -> datetime:
    # Read with either offset, the nonexistent time lands on both sides of the jump: the
    # earlier reading is before it (its wall clock is behind `naive`), the later one after.
    # The jump itself is the first instant whose wall clock is not behind `naive`;
    # transitions fall on whole seconds, so bisecting seconds finds it exactly.
    readings = [int(naive.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1)]
    before, after = min(readings), max(readings)
    while after - before > 1:
        middle = (before + after) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= naive:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)
