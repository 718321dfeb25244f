"""Rate limits on intake (PagerDuty answers 429 when a routing key sends too fast).

An integration's limit is shared by every process through the database, as a GCRA
(generic cell rate algorithm): one row per integration holding the theoretical arrival
time of its next request, moved by one atomic upsert per request. A limit of N per
minute lets a burst of N through, then one every 60/N seconds.

Unknown keys are limited per client address in process memory instead: the point there
is that a flood of wrong keys costs no database query each.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import case, select

from warroom.alerts.models import RateLimit
from warroom.db import Database, upsert_insert


def admit(db: Database, subject: str, per_minute: int, now: float | None = None) -> float | None:
    """None when a request of `subject` may pass now; else the seconds to wait."""
    now = time.time() if now is None else now
    interval = 60.0 / per_minute
    tolerance = 60.0 - interval  # how far ahead of now the schedule may run: the burst
    start = case((RateLimit.tat > now, RateLimit.tat), else_=now)
    with db.write() as session:
        stmt = (
            upsert_insert(session)(RateLimit)
            .values(subject=subject, tat=now + interval)
            .on_conflict_do_update(
                index_elements=["subject"],
                set_={"tat": start + interval},
                where=start - now <= tolerance,
            )
            .returning(RateLimit.tat)
        )
        if session.execute(stmt).first() is not None:
            return None
        tat = session.scalar(select(RateLimit.tat).where(RateLimit.subject == subject))
    return max(0.0, float(tat or now) - now - tolerance)


class ClientLimiter:
    """In-process token buckets by client address."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, refilled)
        self._lock = threading.Lock()

    def _tokens(self, address: str, now: float) -> float:
        tokens, last = self._buckets.get(address, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)

    def exhausted(self, address: str) -> bool:
        with self._lock:
            return self._tokens(address, time.monotonic()) < 1.0

    def charge(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._buckets[address] = (max(0.0, self._tokens(address, now) - 1.0), now)
            if len(self._buckets) > 100_000:  # forget the oldest addresses under a spray
                for stale in list(self._buckets)[:50_000]:
                    del self._buckets[stale]

    def retry_after(self, address: str) -> float:
        with self._lock:
            missing = 1.0 - self._tokens(address, time.monotonic())
        return max(0.0, missing * 60.0 / self.per_minute)
