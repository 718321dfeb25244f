"""Group commit for alert intake: writer threads store the deliveries of every request,
as many per transaction as arrived while the previous one committed.

A request parses its body on the event loop, hands the delivery over and awaits the
outcome; it answers 2xx only once the transaction holding its delivery has committed.
Under load one commit carries many deliveries (one SQLite write lock or PostgreSQL WAL
flush, one UPDATE for all re-sent alerts); when idle a delivery waits for nobody.

A group of re-sent firing alerts only is stored by `alerts.resends` on the thread's own
connection; anything else, or a group in which some alert turns out not to be firing,
takes the full path, `service.ingest_group`, where one failing delivery fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from warroom.alerts import service
from warroom.alerts.resends import ResendStore, store_for
from warroom.alerts.schemas import IngestResult
from warroom.alerts.service import Delivery
from warroom.clock import Clock
from warroom.config import Config
from warroom.db import Database

log = logging.getLogger("warroom.intake")

# A group stops growing at this many alerts: a bigger transaction holds the write lock
# (and the requests waiting on it) longer, for little more saving.
MAX_GROUP_ALERTS = 5000
# Writer threads on PostgreSQL: with a re-send group one round trip, two per process
# overlap one group's commit with the next; more only queue in PostgreSQL
# (bench/ingest.py, 2 cores: 1 and 2 alike, 4 lower).
POSTGRESQL_THREADS = 2

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
    transactions at once (and flushes their WAL together), so several threads, each
    taking the next group: a group waits for its own commit, not for one in flight.
    Concurrent groups lock alerts in id order and cannot deadlock on the fast path.
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
        self.threads = threads or (1 if db.dialect == "sqlite" else POSTGRESQL_THREADS)
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._running: list[threading.Thread] = []
        self._start = threading.Lock()

    async def store(self, delivery: Delivery) -> IngestResult:
        """Store the delivery; returns once it is committed (raises what storing raised)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        if not self._running:
            self._start_threads()
        self._queue.put(_Waiting(delivery, loop, future))
        outcome = await future
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

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
        resends = store_for(self.db)
        try:
            self._take_groups(resends)
        finally:
            resends.close()

    def _take_groups(self, resends: ResendStore) -> None:
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

    def _commit(self, group: list[_Waiting], resends: ResendStore) -> None:
        outcomes: list[Outcome]
        stored_by: StoredBy = "resend"
        try:
            config, clock = self.current()
            now = clock.now()
            deliveries = [w.delivery for w in group]
            plan = service.plan_resends(config, now, deliveries)
            if plan is not None and _stored(resends, plan):
                outcomes = list(plan.results)
            else:
                stored_by = "full"
                outcomes = list(service.ingest_group(self.db, config, now, deliveries))
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


def _stored(resends: ResendStore, plan: service.ResendPlan) -> bool:
    try:
        return resends.store(plan)
    except Exception:  # the full path does the same work, and says what is wrong
        log.warning("re-send fast path failed; taking the full path", exc_info=True)
        return False


def _settle(settled: list[tuple[asyncio.Future[Outcome], Outcome]]) -> None:
    for future, outcome in settled:
        if not future.done():  # a request cancelled meanwhile (client gone)
            future.set_result(outcome)
