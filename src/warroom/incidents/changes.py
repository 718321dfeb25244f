"""What every incident verb shares: the locked change, its timeline event, the runbook.

Split out of `service` so that verbs can live in focused modules (phases, playbooks,
resolution) without importing each other's private helpers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.errors import ConflictError
from warroom.incidents import rules
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import Status
from warroom.runbooks import store as runbooks
from warroom.runbooks.model import Runbook
from warroom.timeline import service as timeline
from warroom.timeline.models import TimelineEvent


@contextmanager
def changing(db: Database, ctx: Context, ref: str) -> Iterator[tuple[Session, Incident]]:
    """A write transaction holding the incident's row lock, its `updated_at` bumped."""
    with db.write() as session:
        incident = by_ref(session, ref, lock=True)
        incident.updated_at = ctx.now
        yield session, incident


def record(
    session: Session, incident: Incident, ctx: Context, kind: str, data: dict[str, Any]
) -> TimelineEvent:
    return timeline.record(
        session, incident_id=incident.id, kind=kind, actor=ctx.actor, at=ctx.now, data=data
    )


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def runbook_of(session: Session, incident: Incident, config: Config) -> Runbook:
    """The runbook the incident was declared under (stored), else the configured one."""
    if incident.runbook_id is not None:
        return runbooks.load(session, incident.runbook_id)
    return config.runbook_for(incident.service_names)


def refused_move(incident: Incident, target: str) -> ConflictError:
    allowed = rules.allowed_moves(Status(incident.status))
    hint = ", ".join(s.value for s in allowed) or "none (reopen it first)"
    return ConflictError(
        f"cannot move {incident.ref} from {incident.status} to {target}; allowed: {hint}",
        field="status",
    )
