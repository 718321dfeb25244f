"""Reading incidents: by reference (shared by every package that acts on one), counts."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warroom.db import Database
from warroom.errors import NotFoundError
from warroom.incidents import rules
from warroom.incidents.models import Incident
from warroom.incidents.rules import OPEN_STATUSES


def by_ref_query(ref: str) -> Select[Incident]:
    try:
        day, seq = rules.parse_ref(ref)
    except ValueError:
        raise NotFoundError(f"no incident {ref}", field="ref") from None
    return select(Incident).where(Incident.ref_day == day, Incident.ref_seq == seq)


def by_ref(session: Session, ref: str, *, lock: bool = False) -> Incident:
    """The incident, locked for update if asked (serialises changes on PostgreSQL; SQLite
    writers are already serialised by BEGIN IMMEDIATE)."""
    query = by_ref_query(ref)
    if lock:
        query = query.with_for_update()
    incident = session.scalar(query)
    if incident is None:
        raise NotFoundError(f"no incident {ref}", field="ref")
    return incident


def open_counts_by_severity(db: Database) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(
            select(Incident.severity, func.count())
            .where(Incident.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(Incident.severity)
        )
        return {severity: int(count) for severity, count in rows}
