"""Delivery receipts (`alert_deliveries`, one row per webhook request) are kept for
`alerts.keep_deliveries`, then pruned by the engine's sweep (`alerts.jobs`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from warroom.alerts.models import AlertDelivery
from warroom.config import Config
from warroom.db import Database
from warroom.runbooks.durations import parse_duration

PRUNE_BATCH = 5000


def prune_deliveries(db: Database, config: Config, now: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` delivery receipts older than `alerts.keep_deliveries` (one
    row per webhook request: they would otherwise grow without end). The oldest go
    first, in id order, so the query walks the primary key and stops early; a backlog
    is worked down a batch per sweep, never holding the write lock for long."""
    keep = parse_duration(config.alerts.keep_deliveries)
    if not keep:
        return 0
    oldest = (
        select(AlertDelivery.id)
        .where(AlertDelivery.received_at < now - keep)
        .order_by(AlertDelivery.id)
        .limit(limit)
    )
    with db.write() as session:
        result = session.execute(delete(AlertDelivery).where(AlertDelivery.id.in_(oldest)))
        return int(getattr(result, "rowcount", 0) or 0)
