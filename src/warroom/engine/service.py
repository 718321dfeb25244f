"""Planning, claiming and finishing jobs.

Planning happens inside the caller's transaction (with the change that implies it);
claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so any number of workers can pull
from the same table without handing one job to two of them. On SQLite the claim runs in
a `BEGIN IMMEDIATE` transaction, which serialises it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from warroom.db import Database, upsert_insert
from warroom.engine.models import Job
from warroom.engine.rules import BATCH, LEASE, JobStatus, backoff


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    incident_id: int | None
    due_at: datetime
    attempts: int
    max_attempts: int


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
    incident_id: int | None = None,
    max_attempts: int = 8,
) -> None:
    """Plan a job. Planning the same key again changes nothing, unless the earlier plan was
    cancelled: then it is planned anew (a severity change re-planning a step)."""
    statement = upsert_insert(session)(Job).values(
        kind=kind,
        key=key,
        payload=payload or {},
        incident_id=incident_id,
        status=JobStatus.pending.value,
        due_at=due_at,
        attempts=0,
        max_attempts=max_attempts,
        created_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"status": JobStatus.pending.value, "due_at": due_at, "payload": payload or {}},
        where=Job.status == JobStatus.cancelled.value,
    )
    session.execute(statement)


def cancel(session: Session, *, incident_id: int, kinds: Iterable[str]) -> int:
    """Cancel an incident's pending jobs of these kinds; returns how many."""
    result = session.execute(
        update(Job)
        .where(
            Job.incident_id == incident_id,
            Job.kind.in_(list(kinds)),
            Job.status == JobStatus.pending.value,
        )
        .values(status=JobStatus.cancelled.value)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def bring_forward(session: Session, key: str, due_at: datetime) -> bool:
    """Make a pending job due earlier (e.g. the next escalation step when nobody is on call)."""
    result = session.execute(
        update(Job)
        .where(Job.key == key, Job.status == JobStatus.pending.value, Job.due_at > due_at)
        .values(due_at=due_at)
    )
    return bool(getattr(result, "rowcount", 0))


def claim(
    db: Database, worker: str, now: datetime, limit: int = BATCH, lease: timedelta = LEASE
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs (and jobs whose worker's lease ran out)."""
    due = or_(
        and_(Job.status == JobStatus.pending.value, Job.due_at <= now),
        and_(Job.status == JobStatus.running.value, Job.locked_until < now),
    )
    with db.write() as session:
        candidates = db.skip_locked(select(Job.id).where(due).order_by(Job.due_at).limit(limit))
        rows = session.execute(
            update(Job)
            .where(Job.id.in_(candidates.scalar_subquery()))
            .values(
                status=JobStatus.running.value,
                locked_by=worker,
                locked_until=now + lease,
                started_at=now,
                attempts=Job.attempts + 1,
            )
            .returning(
                Job.id,
                Job.kind,
                Job.key,
                Job.payload,
                Job.incident_id,
                Job.due_at,
                Job.attempts,
                Job.max_attempts,
            )
        ).all()
    return sorted((ClaimedJob(*row) for row in rows), key=lambda j: (j.due_at, j.id))


def start(
    db: Database, job: ClaimedJob, worker: str, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Renew the lease as the job actually starts. A batch is claimed at once, and a slow
    job early in it must not let another worker take one that has not started yet; if the
    lease already went to someone else, this worker must not run the job (False)."""
    with db.write() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.status == JobStatus.running.value)
            .values(locked_until=now + lease, started_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


def renew(
    db: Database, job: ClaimedJob, worker: str, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Extend the lease of a job this worker is running (its heartbeat); False when the
    job is no longer this worker's (finished, or taken over after a missed renewal)."""
    with db.write() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.status == JobStatus.running.value)
            .values(locked_until=now + lease)
        )
        return bool(getattr(result, "rowcount", 0))


def complete(db: Database, job: ClaimedJob, worker: str, now: datetime) -> None:
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.status == JobStatus.running.value)
            .values(status=JobStatus.done.value, finished_at=now, locked_until=None)
        )


def fail(db: Database, job: ClaimedJob, worker: str, now: datetime, error: str) -> bool:
    """Record a failed attempt; retry later with backoff, or give up. True when given up."""
    final = job.attempts >= job.max_attempts
    values: dict[str, Any] = {"last_error": error[:4000], "locked_until": None}
    if final:
        values |= {"status": JobStatus.failed.value, "finished_at": now}
    else:
        values |= {"status": JobStatus.pending.value, "due_at": now + backoff(job.attempts)}
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.status == JobStatus.running.value)
            .values(**values)
        )
    return final


def next_due(db: Database) -> datetime | None:
    with db.read() as session:
        return session.scalar(
            select(func.min(Job.due_at)).where(Job.status == JobStatus.pending.value)
        )


def list_jobs(
    db: Database, *, status: str | None = None, incident_id: int | None = None, limit: int = 100
) -> list[Job]:
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if incident_id is not None:
        query = query.where(Job.incident_id == incident_id)
    with db.read() as session:
        return list(session.scalars(query))
