from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from warroom import limits
from warroom.db import Base, JSONType, UTCDateTime
from warroom.runbooks.deadlines import Anchors
from warroom.timeline.models import TimelineEvent


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("ref_day", "ref_seq", name="uq_incidents_ref_day_seq"),
        Index("ix_incidents_status_id", "status", "id"),
        Index("ix_incidents_severity_id", "severity", "id"),
        Index("ix_incidents_declared_at", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(limits.REF), unique=True)
    ref_day: Mapped[date] = mapped_column(Date)
    ref_seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(limits.TITLE))
    summary: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(limits.SEVERITY))
    status: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(60))

    user_impact: Mapped[str | None] = mapped_column(Text, default=None)
    users_affected: Mapped[str | None] = mapped_column(String(limits.TITLE), default=None)
    systems_impacted: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    data_at_risk: Mapped[bool | None] = mapped_column(Boolean, default=None)
    security_incident: Mapped[bool | None] = mapped_column(Boolean, default=None)
    answers: Mapped[dict[str, str] | None] = mapped_column(
        JSONType, default=None, doc="Answers to a runbook's other assessment questions"
    )
    symptoms: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    runbook_id: Mapped[int | None] = mapped_column(
        ForeignKey("runbooks.id", ondelete="SET NULL"), default=None
    )

    declared_by: Mapped[str] = mapped_column(String(limits.NAME))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(limits.NAME), default=None)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    resolution_summary: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    services: Mapped[list[IncidentService]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentService.position", lazy="selectin"
    )
    roles: Mapped[list[IncidentRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    # Read from the timeline, so it counts every reopen ever recorded and cannot drift;
    # deferred: loaded only where asked for (acknowledge links carry it).
    times_reopened: Mapped[int] = column_property(
        select(func.count(TimelineEvent.id))
        .where(TimelineEvent.incident_id == id, TimelineEvent.kind == "incident_reopened")
        .correlate_except(TimelineEvent)
        .scalar_subquery(),
        deferred=True,
    )

    @property
    def service_names(self) -> list[str]:
        return [s.service for s in self.services]

    def anchors(self) -> Anchors:
        """The times its runbook's phase windows are measured from."""
        return Anchors(self.declared_at, self.mitigated_at, self.resolved_at)

    def assessment(self) -> dict[str, Any]:
        return {
            "user_impact": self.user_impact,
            "users_affected": self.users_affected,
            "systems_impacted": self.systems_impacted,
            "data_at_risk": self.data_at_risk,
            "security_incident": self.security_incident,
        }


class IncidentService(Base):
    __tablename__ = "incident_services"
    __table_args__ = (Index("ix_incident_services_service", "service", "incident_id"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(limits.NAME), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class IncidentRole(Base):
    __tablename__ = "incident_roles"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(limits.ROLE), primary_key=True)
    person: Mapped[str] = mapped_column(String(limits.NAME))
    assigned_by: Mapped[str] = mapped_column(String(limits.NAME))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IncidentRefCounter(Base):
    """The last sequence number handed out per UTC day; bumped in the declaring transaction,
    so a rolled-back declaration gives its number back and none is ever reused."""

    __tablename__ = "incident_ref_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
