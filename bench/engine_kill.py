"""bench/engine.py's kill phase: a worker SIGKILLed mid-batch under the steady load, and how
late the first pages it held were (issue 11.10: at most 15 s).

Once the workers have caught up with what is due (the burst leaves a backlog), each round
stops (SIGSTOP) the worker holding the most claimed paging jobs, checks that it still
holds some, notes them with the end of each one's lease, kills it (SIGKILL) and starts a
replacement, then waits until surviving workers have finished every job it held and sent
those incidents' pages (so that no page is delayed by two deaths).
Figures, over all rounds:

* how long its jobs had waited from due to the dead worker taking them (claim, or start);
* how long after the stop the dead worker's leases ran out, and survivors started its jobs;
* how long those jobs stayed claimed (from the dead worker's claim to a survivor's start);
* for the first pages among them: page sent - first step due, beside the same figure for
  the first pages no dead worker held, due in the same time span.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from figures import summary
from warroom.db import Database
from warroom.engine.models import Job
from warroom.engine.rules import LEASE
from warroom.paging.models import Page
from warroom.paging.service import ESCALATION, SEND_PAGE

Process = subprocess.Popen[bytes]
PAGING = [ESCALATION, SEND_PAGE]


@dataclass(frozen=True)
class Held:
    job_id: int
    lease_end: datetime
    claimed: datetime  # the claim's time, or the handler's start for the running job
    due: datetime


@dataclass(frozen=True)
class Victim:
    pid: int
    stopped: datetime
    held: list[Held]


def _holders(db: Database) -> Counter[int]:
    with db.read() as session:
        names = session.scalars(
            select(Job.locked_by).where(Job.status == "running", Job.kind.in_(PAGING))
        )
        return Counter(int(name.split(":")[1]) for name in names if name)


def _held_by(db: Database, pid: int) -> list[Held]:
    with db.read() as session:
        rows = session.execute(
            select(Job.id, Job.locked_until, Job.started_at, Job.due_at).where(
                Job.status == "running",
                Job.kind.in_(PAGING),
                Job.locked_by.like(f"%:{pid}:%"),
            )
        ).all()
    return [Held(i, until, at, due) for i, until, at, due in rows if until and at]


def _caught_up(db: Database, timeout: float = 300) -> None:
    """Until no paging job is more than a second overdue (say, the burst's backlog)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            overdue = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.kind.in_(PAGING),
                    Job.status == "pending",
                    Job.due_at < datetime.now(UTC) - timedelta(seconds=1),
                )
            )
        if not overdue:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the workers did not catch up within {timeout:.0f} s")


def kill_busiest(db: Database, workers: list[Process], timeout: float = 120) -> Victim:
    """Stop the worker holding the most paging jobs; kill it if it still holds some."""
    by_pid = {w.pid: w for w in workers if w.poll() is None}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = [(n, pid) for pid, n in _holders(db).items() if pid in by_pid]
        if not holders:
            time.sleep(0.005)
            continue
        _, pid = max(holders)
        os.kill(pid, signal.SIGSTOP)
        stopped = datetime.now(UTC)  # it renews nothing after this
        held = _held_by(db, pid)
        if held:
            os.kill(pid, signal.SIGKILL)
            by_pid[pid].wait(timeout=60)
            return Victim(pid, stopped, held)
        os.kill(pid, signal.SIGCONT)
    raise RuntimeError("no worker held a paging job to be killed with")


def _wait_paged(db: Database, held: list[int], timeout: float = 300) -> None:
    """Until the jobs held, and every send of their incidents, are done: the next round
    must not kill the worker that took one over (a page delayed by two deaths)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            incidents = list(session.scalars(select(Job.incident_id).where(Job.id.in_(held))))
            statuses = set(
                session.scalars(
                    select(Job.status).where(
                        Job.id.in_(held)
                        | (Job.incident_id.in_(incidents) & (Job.kind == SEND_PAGE))
                    )
                )
            )
        if statuses <= {"done"}:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the dead worker's pages were not sent within {timeout:.0f} s")


def _first_page_lateness(
    db: Database, held: set[int], since: datetime
) -> tuple[list[float], list[float]]:
    """(first pages of the incidents whose jobs a dead worker held, the first pages of
    incidents whose first step fell due since `since`): sent - the first step's due time.
    (Within a run's first minutes only first steps fall due: the others are minutes out.)"""
    first_step = Job.key.like("esc:%:r0s0")
    with db.read() as session:
        mine_ids = set(session.scalars(select(Job.incident_id).where(Job.id.in_(held))))
        recent = set(
            session.scalars(select(Job.incident_id).where(first_step, Job.due_at >= since))
        )
        incidents = [i for i in mine_ids | recent if i is not None]
        first_due = dict(
            session.execute(
                select(Job.incident_id, Job.due_at).where(
                    first_step, Job.incident_id.in_(incidents)
                )
            ).all()
        )
        pages = session.execute(
            select(Page.incident_id, Page.sent_at).where(
                Page.step == "r0s0", Page.sent_at.is_not(None), Page.incident_id.in_(incidents)
            )
        ).all()
    mine: list[float] = []
    others: list[float] = []
    for incident, sent in pages:
        if incident in first_due and sent is not None:
            late = (sent - first_due[incident]).total_seconds()
            (mine if incident in mine_ids else others).append(late)
    return mine, others


def kill_phase(
    db: Database, workers: list[Process], start_worker: Callable[[], Process], rounds: int
) -> None:
    """Kill a busy worker `rounds` times (replacing it each time) and print the figures."""
    _caught_up(db)
    since = datetime.now(UTC)
    victims: list[Victim] = []
    for _ in range(rounds):
        victim = kill_busiest(db, workers)
        workers.append(start_worker())
        _wait_paged(db, [h.job_id for h in victim.held])
        victims.append(victim)
    with db.read() as session:
        rows = session.execute(
            select(Job.id, Job.started_at).where(
                Job.id.in_([h.job_id for v in victims for h in v.held])
            )
        ).all()
    started = {job_id: at for job_id, at in rows if at is not None}
    lease_left, taken, claimed, waited = [], [], [], []
    for victim in victims:
        for held in victim.held:
            waited.append((held.claimed - held.due).total_seconds())
            lease_left.append((held.lease_end - victim.stopped).total_seconds())
            taken.append((started[held.job_id] - victim.stopped).total_seconds())
            claimed.append((started[held.job_id] - held.claimed).total_seconds())
    mine, others = _first_page_lateness(db, {h.job_id for v in victims for h in v.held}, since)
    print(
        f"  kill: {rounds} workers SIGKILLed mid-batch under the steady load, "
        f"{len(lease_left)} paging jobs held (lease {LEASE.total_seconds():.0f} s):"
    )
    for name, samples in (
        ("due -> dead worker took it", waited),
        ("lease ran out after stop", lease_left),
        ("survivor started, after stop", taken),
        ("claimed -> survivor started", claimed),
        ("first pages held: sent - due", mine),
        ("other first pages: sent - due", others),
    ):
        print(f"    {name:<30} {summary(samples)}")
