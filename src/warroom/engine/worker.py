"""The worker: claims due jobs and runs their handlers. Stateless; run as many as you like.

Handlers must be idempotent: a job is re-run when its worker dies before finishing (after
the lease runs out), so a handler checks the state it is about to change first.

While a batch runs, a heartbeat thread renews the lease of the job being run every third
of the lease, so the lease can be short (`rules.LEASE`): a handler slower than it keeps
its job, and a dead worker's jobs are taken over a lease after it stopped, not minutes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from warroom.clock import Clock
from warroom.config import Config
from warroom.db import Database
from warroom.engine import service
from warroom.engine.rules import BATCH, LEASE
from warroom.engine.service import ClaimedJob

log = logging.getLogger("warroom.worker")


class PermanentJobError(Exception):
    """Retrying cannot help (bad payload, unknown target): fail the job at once."""


@dataclass(frozen=True)
class JobRun:
    """What a handler gets: the job, and the world it runs in."""

    db: Database
    config: Config
    clock: Clock
    job: ClaimedJob
    worker: str


Handler = Callable[[JobRun], None]
GiveUp = Callable[[JobRun, str], None]  # called once when a job has failed for the last time


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10_000}"


class Worker:
    def __init__(
        self,
        db: Database,
        config: Config,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        on_give_up: Mapping[str, GiveUp] | None = None,
        startup: Callable[[], None] | None = None,
        name: str | None = None,
        batch: int = BATCH,
        poll_seconds: float = 0.2,
        lease: timedelta = LEASE,
        heartbeat_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.handlers = dict(handlers)
        self.on_give_up = dict(on_give_up or {})
        self._startup = startup
        self.clock = clock
        self.name = name or worker_name()
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.heartbeat_seconds = heartbeat_seconds or lease.total_seconds() / 3
        self._running: ClaimedJob | None = None  # the job the heartbeat keeps

    def run_once(self) -> int:
        """Claim and run one batch of due jobs; returns how many ran."""
        if self._startup is not None:
            startup, self._startup = self._startup, None
            startup()  # e.g. plan recurring jobs; once per worker
        jobs = service.claim(self.db, self.name, self.clock.now(), self.batch, self.lease)
        if jobs:
            with self._heartbeat():
                for job in jobs:
                    self._run(job)
        return len(jobs)

    @contextmanager
    def _heartbeat(self) -> Iterator[None]:
        """Renew the running job's lease from a thread of its own until the batch is done.
        Only the running job's: the batch's later jobs are left to their claim's lease, so
        another worker takes them if this one is stuck on a slow handler."""
        done = threading.Event()
        beat = threading.Thread(
            target=self._renew_until, args=(done,), name="worker-heartbeat", daemon=True
        )
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    def _renew_until(self, done: threading.Event) -> None:
        while not done.wait(self.heartbeat_seconds):
            job = self._running
            if job is None:
                continue
            try:
                kept = service.renew(self.db, job, self.name, self.clock.now(), self.lease)
            except Exception:
                log.exception("worker %s could not renew the lease of job %s", self.name, job.id)
                continue
            if not kept and self._running is job:
                log.warning("job %s (%s) lost its lease while running", job.id, job.key)

    def run_until_idle(self, max_batches: int = 1000) -> int:
        """Run batches until nothing is due (tests drive the clock, then call this)."""
        total = 0
        for _ in range(max_batches):
            ran = self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    def run_forever(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("worker %s could not claim jobs", self.name)
                ran = 0
            if ran == 0:
                # Only an idle worker sleeps: a page is two jobs in a row (the step, then
                # the send it plans), and the second should not wait a poll interval.
                stop.wait(self.poll_seconds)
        log.info("worker %s stopped", self.name)

    def _run(self, job: ClaimedJob) -> None:
        if not service.start(self.db, job, self.name, self.clock.now(), self.lease):
            log.warning("job %s (%s) was taken over by another worker", job.id, job.key)
            return
        self._running = job
        try:
            self._handle(job)
        finally:
            self._running = None

    def _handle(self, job: ClaimedJob) -> None:
        handler = self.handlers.get(job.kind)
        run = JobRun(self.db, self.config, self.clock, job, self.name)
        try:
            if handler is None:
                raise PermanentJobError(f"no handler for job kind {job.kind!r}")
            handler(run)
        except PermanentJobError as exc:
            log.error("job %s (%s) failed permanently: %s", job.id, job.key, exc)
            service.fail(self.db, _final(job), self.name, self.clock.now(), str(exc))
            self._give_up(run, str(exc))
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()
            given_up = service.fail(self.db, job, self.name, self.clock.now(), error)
            if given_up:
                self._give_up(run, error)
            log.warning(
                "job %s (%s) attempt %s failed%s: %s",
                job.id,
                job.key,
                job.attempts,
                "; giving up" if given_up else "; will retry",
                error,
            )
        else:
            service.complete(self.db, job, self.name, self.clock.now())

    def _give_up(self, run: JobRun, error: str) -> None:
        hook = self.on_give_up.get(run.job.kind)
        if hook is None:
            return
        try:
            hook(run, error)
        except Exception:
            log.exception("give-up hook for job %s failed", run.job.id)


def _final(job: ClaimedJob) -> ClaimedJob:
    return ClaimedJob(
        job.id,
        job.kind,
        job.key,
        job.payload,
        job.incident_id,
        job.due_at,
        job.max_attempts,
        job.max_attempts,
    )
