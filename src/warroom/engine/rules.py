"""Pure engine rules: retry backoff and job states."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class JobStatus(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(minutes=10)


def backoff(attempts: int, base: timedelta = timedelta(seconds=5)) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 5 s, 10 s, 20 s, ... capped."""
    if attempts < 1:
        return timedelta(0)
    delay: timedelta = base * (2 ** (attempts - 1))
    return min(delay, MAX_BACKOFF)
