"""The job kinds this installation runs, and workers built from them."""

from __future__ import annotations

import threading
from datetime import timedelta

from warroom.alerts import jobs as alert_jobs
from warroom.auth.links import AckLinks, signing_key
from warroom.clock import Clock
from warroom.config import Config
from warroom.db import Database
from warroom.engine.rules import LEASE
from warroom.engine.worker import Worker
from warroom.notify.sender import AppriseSender, Sender
from warroom.paging import service as paging
from warroom.settings import Settings


def ack_links(db: Database, clock: Clock, public_url: str | None = None) -> AckLinks:
    return AckLinks(signing_key(), public_url or Settings().public_url, clock)


def make_worker(
    db: Database,
    config: Config,
    clock: Clock,
    *,
    sender: Sender | None = None,
    links: AckLinks | None = None,
    name: str | None = None,
    poll_seconds: float = 0.2,
    lease: timedelta = LEASE,
) -> Worker:
    links = links or ack_links(db, clock)
    return Worker(
        db,
        config,
        {
            **paging.handlers(sender or AppriseSender(Settings().smtp), links),
            **alert_jobs.handlers(),
        },
        clock,
        on_give_up=paging.give_up_hooks(),
        startup=lambda: alert_jobs.plan_recurring(db, config, clock),
        name=name,
        poll_seconds=poll_seconds,
        lease=lease,
    )


def start_in_background(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    """One worker inside `warroom serve` (the SQLite setup)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="worker", daemon=True)
    thread.start()
    return thread, stop
