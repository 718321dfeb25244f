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


# How long a claimed job stays its worker's without word from it. A running job's lease is
# renewed every third of it (the worker's heartbeat), so a slow handler keeps its job and a
# dead worker's jobs are free again at most one lease after its last sign of life: a SEV-1's
# first page waits at most about this long for a worker killed mid-batch.
LEASE = timedelta(seconds=10)
BATCH = 5  # jobs claimed at once: the ones not started yet wait behind the running one
MAX_BACKOFF = timedelta(minutes=10)


def backoff(attempts: int, base: timedelta = timedelta(seconds=5)) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 5 s, 10 s, 20 s, ... capped."""
    if attempts < 1:
        return timedelta(0)
    delay: timedelta = base * (2 ** (attempts - 1))
    return min(delay, MAX_BACKOFF)
