from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom import limits
from warroom.db import Base, BigId, JSONType, UTCDateTime


class Integration(Base):
    """A sender of alerts with its own secret key (a PagerDuty routing key, the path
    segment of a webhook URL). Only the key's SHA-256 is stored."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.SHORT_NAME), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    service: Mapped[str | None] = mapped_column(String(limits.NAME), default=None)
    resolve_timeout_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    from_config: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


def _key(length: int) -> String:
    """An identifier compared byte by byte: COLLATE "C" on PostgreSQL (migration 0008),
    SQLite's BINARY elsewhere."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Alert(Base):
    """One alert, by its dedup key within its integration: every firing and resolve of it
    updates this row (first/last seen, occurrences)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("scope", "dedup_key", name="uq_alerts_scope_dedup_key"),
        Index("ix_alerts_incident_id", "incident_id"),
        # Not (status, expires_at): expires_at moves with every re-send (migration 0006).
        Index("ix_alerts_status", "status"),
        Index("ix_alerts_group_key_status", "group_key", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(
        _key(limits.ALERT_SCOPE), doc="integration:<id>, or customer"
    )
    dedup_key: Mapped[str] = mapped_column(_key(limits.DEDUP_KEY))
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))  # firing, resolved
    service: Mapped[str | None] = mapped_column(String(limits.NAME), default=None)
    group_key: Mapped[str] = mapped_column(_key(limits.GROUP_KEY), default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(20), default=None)  # source, timeout
    expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=None, doc="Resolved by the engine if not re-sent by then"
    )
    auto_resolve: Mapped[bool] = mapped_column(default=False)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), default=None
    )
    route: Mapped[str] = mapped_column(Text, default="", doc="Why it was routed so")
    # Acknowledged by its sender (an Events API acknowledge): the alert, not the incident.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class IncidentAlertGroup(Base):
    """The group of alerts an incident was opened by (an incident declared by a person has
    none): only alerts of this group join it, and it knows the alert that opened it."""

    __tablename__ = "incident_alert_groups"
    __table_args__ = (Index("ix_incident_alert_groups_group_key", "group_key"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    group_key: Mapped[str] = mapped_column(_key(limits.GROUP_KEY))
    opened_by_alert_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("alerts.id", ondelete="SET NULL"), default=None
    )
    # The routing rule's auto_resolve when it opened: None means "if nobody acknowledged".
    auto_resolve: Mapped[bool | None] = mapped_column(default=None)
    # The title warroom gave it from the group; a person's title is never replaced.
    title: Mapped[str | None] = mapped_column(Text, default=None)


class IncidentAlertLabel(Base):
    """How many of an incident's alerts carry a label value (`alerts.tally`), kept as they
    attach so that a storm of thousands reads as counts: per tallied name and value, the
    first and latest alert. The `@all` row (value "") counts every alert and keeps the
    first one's summary, so the group title can be computed without reading the alerts."""

    __tablename__ = "incident_alert_labels"
    __table_args__ = (
        # The first hosts of a storm, in order of appearance, without sorting all of them.
        Index("ix_incident_alert_labels_first", "incident_id", "name", "first_alert_id"),
    )

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(_key(limits.TALLY_VALUE), primary_key=True)
    alerts: Mapped[int] = mapped_column(Integer)
    # No foreign keys to alerts: checking them would cost every upsert a lookup.
    first_alert_id: Mapped[int] = mapped_column(BigId)
    last_alert_id: Mapped[int] = mapped_column(BigId)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_summary: Mapped[str | None] = mapped_column(Text, default=None)  # on `@all` only


class AlertDelivery(Base):
    """One webhook request, kept for the record (Alertmanager's truncatedAlerts)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_integration_id", "integration_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # No foreign key (migration 0007): checking it cost every intake transaction a lock
    # on the integration's row; integrations are revoked, never deleted.
    integration_id: Mapped[int | None] = mapped_column(Integer, default=None)
    source: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alerts: Mapped[int] = mapped_column(Integer)
    truncated_alerts: Mapped[int] = mapped_column(Integer, default=0)
    group_key: Mapped[str | None] = mapped_column(Text, default=None)


class ChangeEvent(Base):
    """A deploy or config change to a service (runbook: check recent deployments), stored
    once: `digest` identifies its content and time (`changes.store`)."""

    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_service_occurred_at", "service", "occurred_at"),
        Index("ix_change_events_digest", "digest", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    service: Mapped[str | None] = mapped_column(String(limits.NAME), default=None)
    summary: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(limits.NAME), default=None)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL"), default=None
    )
    recorded_by: Mapped[str] = mapped_column(String(limits.NAME))
    # None for changes stored before digests existed (migration 0010).
    digest: Mapped[str | None] = mapped_column(String(64), default=None)


class HealthCheckState(Base):
    """Consecutive failures and recoveries of a configured health check."""

    __tablename__ = "health_check_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[int] = mapped_column(Integer, default=0)
    alerting: Mapped[bool] = mapped_column(default=False)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_result: Mapped[str | None] = mapped_column(Text, default=None)


class RateLimit(Base):
    """A shared rate limit's state (GCRA): the theoretical arrival time of the next
    request, in seconds since the epoch. One row per limited subject, for all processes."""

    __tablename__ = "rate_limits"

    subject: Mapped[str] = mapped_column(String(100), primary_key=True)
    tat: Mapped[float] = mapped_column(Double())
