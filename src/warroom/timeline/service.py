"""Writing and reading timeline events. Callers pass their own session, so the event
commits or rolls back with the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.timeline.models import TimelineEvent


def record(
    session: Session,
    *,
    incident_id: int,
    kind: str,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None = None,
    visibility: Literal["internal", "public"] = "internal",
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident_id,
        kind=kind,
        actor=actor,
        occurred_at=at,
        visibility=visibility,
        data=data or {},
    )
    session.add(event)
    return event


def events(
    session: Session, incident_id: int, *, after_id: int = 0, limit: int | None = None
) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.id > after_id)
        .order_by(TimelineEvent.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
