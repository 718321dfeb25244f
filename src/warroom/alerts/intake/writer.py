"""Group commit for alert intake: the deliveries of every request are stored as many per
transaction as arrived while the previous transaction ran.

A request parses its body on the event loop, hands the delivery over and awaits the
outcome; it answers 2xx only once the transaction holding its delivery has committed.
Under load one commit carries many deliveries (one SQLite write lock or PostgreSQL WAL
flush, one UPDATE for all re-sent alerts); when idle a delivery waits for nobody.

A group of re-sent firing alerts only is stored by `resends`:
- on PostgreSQL by the event loop itself (`_LoopResends`), one statement in flight per
  process, which carries every delivery that arrived while the previous one ran;
- on SQLite by the writer thread, on its own connection.

Anything else, or a group in which some alert turns out not to be firing, takes the full
path in a writer thread, `ingest.ingest_group`, where one failing delivery fails alone.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from warroom.alerts.intake.ingest import ingest_group
from warroom.alerts.intake.plan import Delivery, ResendPlan, plan_resends
from warroom.alerts.intake.resends import PostgreSQLResends, SQLiteResends
from warroom.alerts.schemas import IngestResult
from warroom.clock import Clock
from warroom.config import Config
from warroom.db import Database

log = logging.getLogger("warroom.intake")

# A group stops growing at this many alerts: a bigger transaction holds the write lock
# (and the requests waiting on it) longer, for little more saving.
MAX_GROUP_ALERTS = 5000
# Writer threads on PostgreSQL, for the full path (new, resolved, acknowledged alerts):
# several transactions commit at once and flush their WAL together.
POSTGRESQL_THREADS = 2

# Once PostgreSQL's fast path fails (its connection will not open, say), groups take the
# full path for this many seconds before it is tried again: one warning, not one per
# group, and no group waits on a connection attempt that is bound to fail.
RESEND_RETRY_AFTER = 10.0

Outcome = IngestResult | BaseException
# How a group was stored: the re-send fast path, the full path, or not at all.
StoredBy = Literal["resend", "full", "failed"]


@dataclass(frozen=True)
class _Waiting:
    delivery: Delivery
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]


class IntakeWriter:
    """`current()` gives the config and clock in force when a group is stored (the app's,
    which may be replaced while it runs).

    SQLite has one writer at a time, so one thread; PostgreSQL commits several
    transactions at once, so several threads, each taking the next group: a group waits
    for its own commit, not for one in flight. On PostgreSQL, `serve_on_loop()` (the app's
    lifespan) lets the event loop store re-sends itself; deliveries from any other loop
    go to the threads. Every group locks alerts in (scope, key) order, so concurrent groups
    cannot deadlock on them.
    """

    def __init__(
        self,
        db: Database,
        current: Callable[[], tuple[Config, Clock]],
        *,
        threads: int | None = None,
        on_commit: Callable[[int, StoredBy], None] | None = None,
    ) -> None:
        self.db = db
        self.current = current
        self.on_commit = on_commit  # told each group's size and path, once it is stored
        self.threads = threads or (POSTGRESQL_THREADS if db.concurrent_writers else 1)
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._running: list[threading.Thread] = []
        self._start = threading.Lock()
        self._on_loop: _LoopResends | None = None

    def serve_on_loop(self) -> None:
        """On PostgreSQL, store re-sends from the running event loop (until `aclose`)."""
        if self.db.dialect == "postgresql" and self._on_loop is None:
            self._on_loop = _LoopResends(self, asyncio.get_running_loop())

    async def store(self, delivery: Delivery) -> IngestResult:
        """Store the delivery; returns once it is committed (raises what storing raised)."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(delivery, loop, loop.create_future())
        on_loop = self._on_loop
        if on_loop is not None and on_loop.loop is loop:
            on_loop.submit(waiting)
        else:
            self._to_threads([waiting])
        outcome = await waiting.future
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _to_threads(self, group: list[_Waiting]) -> None:
        if not self._running:
            self._start_threads()
        for waiting in group:
            self._queue.put(waiting)

    async def aclose(self) -> None:
        """Store what is in flight or queued, then stop (the app's lifespan, at the end)."""
        on_loop, self._on_loop = self._on_loop, None
        if on_loop is not None:
            await on_loop.close()
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        """Store what is queued, then stop the threads."""
        with self._start:
            running, self._running = self._running, []
        for _ in running:
            self._queue.put(None)
        for thread in running:
            thread.join()

    def _start_threads(self) -> None:
        with self._start:
            while len(self._running) < self.threads:
                name = f"intake-{len(self._running) + 1}"
                thread = threading.Thread(target=self._run, name=name, daemon=True)
                thread.start()
                self._running.append(thread)

    def _run(self) -> None:
        # The threads' fast path is SQLite's; PostgreSQL's runs on the event loop.
        resends = SQLiteResends(self.db) if self.db.dialect == "sqlite" else None
        try:
            self._take_groups(resends)
        finally:
            if resends is not None:
                resends.close()

    def _take_groups(self, resends: SQLiteResends | None) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, alerts, stop = [first], len(first.delivery.events), False
            while alerts < MAX_GROUP_ALERTS:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stop = True
                    break
                group.append(waiting)
                alerts += len(waiting.delivery.events)
            self._commit(group, resends)
            if stop:
                return

    def _commit(self, group: list[_Waiting], resends: SQLiteResends | None) -> None:
        outcomes: list[Outcome]
        stored_by: StoredBy = "resend"
        try:
            config, clock = self.current()
            now = clock.now()
            deliveries = [w.delivery for w in group]
            plan = plan_resends(config, now, deliveries) if resends else None
            if plan is not None and resends is not None and _stored(resends, plan):
                outcomes = list(plan.results)
            else:
                stored_by = "full"
                outcomes = list(ingest_group(self.db, config, now, deliveries))
        except BaseException as exc:  # never leave a request waiting forever
            log.exception("intake group failed")
            stored_by, outcomes = "failed", [exc] * len(group)
        if self.on_commit is not None:
            self.on_commit(len(group), stored_by)
        # One wake-up per event loop, not one per request.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Outcome], Outcome]]]
        by_loop = {}
        for waiting, outcome in zip(group, outcomes, strict=True):
            by_loop.setdefault(waiting.loop, []).append((waiting.future, outcome))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop closed: nobody waits
                loop.call_soon_threadsafe(_settle, settled)


def _stored(resends: SQLiteResends, plan: ResendPlan) -> bool:
    try:
        return resends.store(plan)
    except Exception:  # the full path does the same work, and says what is wrong
        log.warning("re-send fast path failed; taking the full path", exc_info=True)
        return False


def _settle(settled: list[tuple[asyncio.Future[Outcome], Outcome]]) -> None:
    for future, outcome in settled:
        if not future.done():  # a request cancelled meanwhile (client gone)
            future.set_result(outcome)


class _LoopResends:
    """PostgreSQL re-sends, stored by the event loop: one statement in flight, carrying
    every delivery that arrived while the previous one ran. One at a time makes the
    groups big, and on 2 cores shared with PostgreSQL it took more alerts than two or
    four in flight (bench/README.md). A group the statement declines or fails goes to
    the writer threads' full path."""

    def __init__(self, writer: IntakeWriter, loop: asyncio.AbstractEventLoop) -> None:
        self.writer = writer
        self.loop = loop
        self.resends = PostgreSQLResends(writer.db)
        self._pending: collections.deque[_Waiting] = collections.deque()
        self._draining: asyncio.Task[None] | None = None
        self._resting_until = 0.0  # loop time; the fast path failed, and rests until then

    def submit(self, waiting: _Waiting) -> None:
        self._pending.append(waiting)
        if self._draining is None:
            self._draining = self.loop.create_task(self._drain())

    async def close(self) -> None:
        if self._draining is not None:
            await self._draining
        await self.resends.close()

    async def _drain(self) -> None:
        try:
            while self._pending:
                group, alerts = [], 0
                while self._pending and alerts < MAX_GROUP_ALERTS:
                    group.append(self._pending.popleft())
                    alerts += len(group[-1].delivery.events)
                await self._commit(group)
        finally:
            self._draining = None

    async def _commit(self, group: list[_Waiting]) -> None:
        plan: ResendPlan | None = None
        stored = False
        if self.loop.time() >= self._resting_until:
            try:
                config, clock = self.writer.current()
                plan = plan_resends(config, clock.now(), [w.delivery for w in group])
                stored = plan is not None and await self.resends.store(plan)
            except Exception:  # the full path does the same work, and says what is wrong
                log.warning(
                    "re-send fast path failed; groups take the full path for %.0f s",
                    RESEND_RETRY_AFTER,
                    exc_info=True,
                )
                self._resting_until = self.loop.time() + RESEND_RETRY_AFTER
        if not stored or plan is None:
            self.writer._to_threads(group)
            return
        if self.writer.on_commit is not None:
            self.writer.on_commit(len(group), "resend")
        _settle([(w.future, outcome) for w, outcome in zip(group, plan.results, strict=True)])
