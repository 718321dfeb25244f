"""incident_alert_labels: an incident's alerts counted by label as they attach

A storm's incident is titled and shown from these counts (alerts/tally.py) instead of by
reading its thousands of alerts. The alerts already attached to incidents are counted
here, with the tally's rules of this revision written out below (a migration must not
change with the code after it).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 01:00:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import warroom.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HOST_LABELS = ("instance", "host", "hostname", "node", "pod", "device")
NAMES = ("alertname", "@host", "cluster", "namespace", "job", "service", "severity")
KEPT = 500


def _stored(value: str) -> str:
    if len(value) <= KEPT:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{value[:KEPT]}…{digest}"


def _values(labels: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = [("@all", "")]
    for name in NAMES:
        if name == "@host":
            texts = (str(labels.get(k) or "").strip() for k in HOST_LABELS)
            value = next((t for t in texts if t), "")
        else:
            value = str(labels.get(name) or "").strip()
        if value:
            pairs.append((name, _stored(value)))
    return pairs


def _tally(alerts: Iterable[Any]) -> list[dict[str, Any]]:
    """One incident's rows from its alerts in id order."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for alert in alerts:
        at: datetime = alert.first_seen_at
        labels = alert.labels if isinstance(alert.labels, dict) else {}
        for name, value in _values(labels):
            row = rows.get((name, value))
            if row is None:
                rows[(name, value)] = {
                    "incident_id": alert.incident_id,
                    "name": name,
                    "value": value,
                    "alerts": 1,
                    "first_alert_id": alert.id,
                    "last_alert_id": alert.id,
                    "first_seen_at": at,
                    "last_seen_at": at,
                    "first_summary": alert.summary[:KEPT] if name == "@all" else None,
                }
            else:
                row["alerts"] += 1
                row["last_alert_id"] = alert.id
                row["first_seen_at"] = min(row["first_seen_at"], at)
                row["last_seen_at"] = max(row["last_seen_at"], at)
    return list(rows.values())


def _count_attached_alerts(tallies: sa.Table) -> None:
    alerts = sa.table(
        "alerts",
        sa.column("id", sa.BigInteger()),
        sa.column("incident_id", sa.Integer()),
        sa.column("summary", sa.Text()),
        sa.column("labels", warroom.db.JSONType),
        sa.column("first_seen_at", warroom.db.UTCDateTime()),
    )
    conn = op.get_bind()
    incidents = conn.scalars(
        sa.select(alerts.c.incident_id).where(alerts.c.incident_id.is_not(None)).distinct()
    ).all()
    for incident in incidents:  # an incident at a time: a storm's alerts fit in memory
        query = sa.select(alerts).where(alerts.c.incident_id == incident).order_by(alerts.c.id)
        conn.execute(sa.insert(tallies), _tally(conn.execute(query)))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    tallies = op.create_table(
        "incident_alert_labels",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "value",
            sa.String(length=517, collation="C") if postgres else sa.String(length=517),
            nullable=False,
        ),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column(
            "first_alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "last_alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("first_seen_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", warroom.db.UTCDateTime(), nullable=False),
        sa.Column("first_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "name", "value"),
    )
    with op.batch_alter_table("incident_alert_labels", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_alert_labels_first",
            ["incident_id", "name", "first_alert_id"],
            unique=False,
        )
    _count_attached_alerts(tallies)


def downgrade() -> None:
    with op.batch_alter_table("incident_alert_labels", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_alert_labels_first")
    op.drop_table("incident_alert_labels")
