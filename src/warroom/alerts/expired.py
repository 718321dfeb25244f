"""Alerts that stopped being re-sent: resolved by the engine's sweep (`alerts.jobs`) once
their stale timeout (`alerts.stale`) has passed, as their sender's resolve would be."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warroom.alerts.intake.ingest import Batch, resolve_alert
from warroom.alerts.integrations import Sender
from warroom.alerts.models import Alert
from warroom.alerts.schemas import IngestResult
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database


def resolve_expired(db: Database, config: Config, now: datetime, limit: int = 500) -> int:
    """Resolve firing alerts not re-sent before their expiry; marked resolved_by=timeout."""
    with db.write() as session:
        expired = list(
            session.scalars(
                select(Alert)
                .where(Alert.status == "firing", Alert.expires_at < now)
                .order_by(Alert.expires_at)
                .limit(limit)
                .with_for_update()
            )
        )
        by_scope: dict[str, list[Alert]] = {}
        for alert in expired:
            by_scope.setdefault(alert.scope, []).append(alert)
        for scope, alerts in by_scope.items():
            sender = Sender(scope=scope, name="engine")
            batch = Batch(
                Context(config=config, actor="engine", now=now),
                sender,
                IngestResult(
                    alerts=0,
                    created=0,
                    updated=0,
                    resolved=0,
                    incidents_opened=[],
                    incidents_attached=[],
                    dedup_keys=[],
                ),
            )
            for alert in alerts:
                resolve_alert(session, batch, alert, by="timeout")
        return len(expired)
