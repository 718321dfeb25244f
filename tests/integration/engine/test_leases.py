"""Leases and the worker's heartbeat, on SQLite and PostgreSQL, with the real engine and a
driven clock: a dead worker's jobs are free again within the issue's 15 s, and a live
worker's slow job is never taken from it, however long it runs."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select

from warroom.clock import FrozenClock
from warroom.config import Config
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.worker import JobRun, Worker

# Issue 11.10: a SEV-1's first page waits at most 15 s for a worker killed mid-batch.
DEAD_WORKER_BOUND = timedelta(seconds=15)


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> bool:
    """Poll until `condition` holds; generous, since the machine may be loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def plan(db: Database, now: datetime, *keys: str) -> None:
    with db.write() as session:
        for key in keys:
            engine.enqueue(session, kind="page_like", key=key, due_at=now, now=now)


def job(db: Database, key: str) -> Job:
    with db.read() as session:
        found = session.scalar(select(Job).where(Job.key == key))
    assert found is not None
    return found


def lease_ends_at(db: Database, key: str, end: datetime) -> bool:
    return job(db, key).locked_until == end


def test_a_dead_workers_batch_is_taken_over_within_15_seconds(
    db: Database, clock: FrozenClock
) -> None:
    ran: Counter[str] = Counter()

    def record(run: JobRun) -> None:
        ran[run.job.key] += 1

    plan(db, clock.now(), "first-page-1", "first-page-2", "first-page-3")
    # A worker claims a batch and dies before running any of it (it never renews).
    claimed = engine.claim(db, "dead-worker", clock.now())
    assert sorted(j.key for j in claimed) == ["first-page-1", "first-page-2", "first-page-3"]
    survivor = Worker(db, Config(), {"page_like": record}, clock, name="survivor")
    assert survivor.run_until_idle() == 0  # still the dead worker's
    clock.advance(DEAD_WORKER_BOUND)
    assert survivor.run_until_idle() == 3
    assert ran == {"first-page-1": 1, "first-page-2": 1, "first-page-3": 1}
    for key in ran:
        taken = job(db, key)
        assert (taken.status, taken.attempts, taken.locked_by) == ("done", 2, "survivor")


def test_a_live_workers_slow_job_keeps_its_lease_past_the_lease(
    db: Database, clock: FrozenClock
) -> None:
    release, started = threading.Event(), threading.Event()
    runs: Counter[str] = Counter()

    def slow(run: JobRun) -> None:
        runs[run.worker] += 1
        started.set()
        assert release.wait(timeout=300), "the test never released the handler"

    lease = timedelta(seconds=10)
    busy = Worker(db, Config(), {"page_like": slow}, clock, name="busy", lease=lease,
                  heartbeat_seconds=0.05)  # fmt: skip
    other = Worker(db, Config(), {"page_like": slow}, clock, name="other", lease=lease)
    plan(db, clock.now(), "slow-send")
    thread = threading.Thread(target=busy.run_once)
    thread.start()
    try:
        assert started.wait(timeout=120), "the handler never started"
        # Three leases' worth of time while the handler runs: each time the heartbeat
        # renews the lease from the moved clock, and no other worker may take the job.
        for _ in range(3):
            lease_end = clock.advance(lease - timedelta(seconds=1)) + lease
            assert wait_for(partial(lease_ends_at, db, "slow-send", lease_end)), (
                "the running job's lease was not renewed"
            )
            assert other.run_once() == 0
    finally:
        release.set()
        thread.join(timeout=120)
    done = job(db, "slow-send")
    assert (done.status, done.attempts, done.locked_by) == ("done", 1, "busy")
    assert runs == {"busy": 1}
