from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom import limits
from warroom.db import Base, BigId, UTCDateTime


class Page(Base):
    """One message to one person on one contact method. `key` is unique, so the same
    step paging the same person twice is one row."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_incident_id", "incident_id"),
        Index("ix_pages_person_method_sent_at", "person", "method", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    reason: Mapped[str] = mapped_column(String(40))  # escalation, sla_warning, alert
    step: Mapped[str] = mapped_column(String(60))
    person: Mapped[str] = mapped_column(String(limits.NAME))
    method: Mapped[str] = mapped_column(String(300))  # label, without secrets
    method_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ScheduleOverride(Base):
    """Someone covers a window of a configured schedule, added through the API or CLI
    (the config file's own overrides live in the file)."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (Index("ix_schedule_overrides_schedule_ends_at", "schedule", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(String(limits.SHORT_NAME))
    person: Mapped[str] = mapped_column(String(limits.NAME))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(limits.NAME))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PagingGap(Base):
    """A SEV-1/SEV-2 whose first escalation step found nobody to page, and what the
    fallback did about it: kept so that `/metrics` can count them in every process."""

    __tablename__ = "paging_gaps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300), unique=True)  # one per step run
    severity: Mapped[str] = mapped_column(String(limits.SHORT_NAME))
    reason: Mapped[str] = mapped_column(Text)
    fallback: Mapped[str] = mapped_column(Text)  # the targets, as configured or defaulted
    outcome: Mapped[str] = mapped_column(String(20))  # fallback_paged | nobody_paged
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
