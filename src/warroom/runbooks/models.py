"""Runbooks as stored: each distinct parsed runbook once (by content digest), and its
runnable actions. Incidents point at the runbook they were declared under, so editing the
Markdown later does not rewrite what a running incident is held to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, JSONType, UTCDateTime


class StoredRunbook(Base):
    __tablename__ = "runbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    version: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(1000))
    model: Mapped[dict[str, Any]] = mapped_column(JSONType)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RunbookAction(Base):
    """A runbook command as an action definition: argv template and typed parameters."""

    __tablename__ = "runbook_actions"
    __table_args__ = (
        UniqueConstraint("runbook_id", "name", name="uq_runbook_actions_runbook_name"),
        Index("ix_runbook_actions_runbook_id", "runbook_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    runbook_id: Mapped[int] = mapped_column(ForeignKey("runbooks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    runner: Mapped[str] = mapped_column(String(20))
    command: Mapped[str] = mapped_column(Text)
    argv: Mapped[list[str]] = mapped_column(JSONType)
    script: Mapped[str] = mapped_column(Text, default="")
    parameters: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    phase: Mapped[str | None] = mapped_column(String(100))
    incident_type: Mapped[str | None] = mapped_column(String(200))
