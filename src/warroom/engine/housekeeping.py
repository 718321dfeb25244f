"""Keeping the job table small: finished jobs are deleted a week after they were due
(run by the alerts' sweep, `alerts.jobs`, every 30 s)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from warroom.db import Database
from warroom.engine.models import Job


def prune_finished_jobs(db: Database, now: datetime, keep: timedelta = timedelta(days=7)) -> int:
    with db.write() as session:
        result = session.execute(
            delete(Job).where(Job.status.in_(["done", "cancelled"]), Job.due_at < now - keep)
        )
        return int(getattr(result, "rowcount", 0) or 0)
