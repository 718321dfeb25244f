"""Writing and reading timeline events. Callers pass their own session, so the event
commits or rolls back with the change it describes. Every kind is declared once by its
domain (`warroom.domains`), which also decides whether it is public."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.domains import PUBLIC_KINDS, event_kind
from warroom.timeline.model import Visibility
from warroom.timeline.models import TimelineEvent


def record(
    session: Session,
    *,
    incident_id: int,
    kind: str,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        incident_id=incident_id,
        kind=kind,
        actor=actor,
        occurred_at=at,
        visibility=event_kind(kind).visibility,
        data=data or {},
    )
    session.add(event)
    return event


def events(
    session: Session,
    incident_id: int,
    *,
    after_id: int = 0,
    limit: int | None = None,
    visibility: Visibility | None = None,
) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.id > after_id)
        .order_by(TimelineEvent.id)
    )
    if visibility == "public":
        # By kind as well as by the stored flag: only a kind declared public can pass.
        query = query.where(
            TimelineEvent.visibility == "public", TimelineEvent.kind.in_(sorted(PUBLIC_KINDS))
        )
    elif visibility == "internal":
        query = query.where(TimelineEvent.visibility == "internal")
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
