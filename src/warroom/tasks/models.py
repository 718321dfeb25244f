from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, BigId, JSONType, UTCDateTime


class IncidentTask(Base):
    __tablename__ = "incident_tasks"
    __table_args__ = (
        UniqueConstraint("incident_id", "number", name="uq_incident_tasks_number"),
        Index("ix_incident_tasks_done_when", "incident_id", "done_when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, doc="1..N within the incident; what people type")
    parent_number: Mapped[int | None] = mapped_column(Integer, default=None)
    phase: Mapped[str] = mapped_column(String(100))
    checklist: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    severities: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    anchor: Mapped[str] = mapped_column(String(20))  # declaration, mitigation, resolution
    due_after_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_by: Mapped[str | None] = mapped_column(String(200), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    done_when: Mapped[str | None] = mapped_column(
        String(120), default=None, doc="The runbook trigger that ticks it (runbooks/triggers.py)"
    )
    done_by_event: Mapped[int | None] = mapped_column(
        BigId, default=None, doc="The timeline event that ticked it, when warroom did"
    )
