"""Showing and using an acknowledge link. Showing changes nothing (mail and chat link
previewers fetch every URL they see); acknowledging is its own call, from the page's form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth.links import AckGrant, AckLinks
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.paging.acklink import rules


@dataclass(frozen=True)
class AckView:
    """What the page shows."""

    ref: str
    title: str
    severity: str
    status: str
    person: str  # whom the link acknowledges as
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledged_now: bool = False  # this call acknowledged it


def _usable(session: Session, config: Config, grant: AckGrant, *, lock: bool) -> Incident:
    incident = by_ref(session, grant.ref, lock=lock)
    problem = rules.refusal(
        grant,
        ref=incident.ref,
        status=incident.status,
        times_reopened=incident.times_reopened,
        person_configured=config.person(grant.person) is not None,
    )
    if problem is not None:
        raise problem
    return incident


def _view(incident: Incident, person: str, *, acknowledged_now: bool = False) -> AckView:
    return AckView(
        ref=incident.ref,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        person=person,
        acknowledged_by=incident.acknowledged_by,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_now=acknowledged_now,
    )


def show(db: Database, config: Config, links: AckLinks, token: str) -> AckView:
    """The incident the link is for, if the link may act on it; changes nothing."""
    grant = links.read(token)
    with db.read() as session:
        return _view(_usable(session, config, grant, lock=False), grant.person)


def acknowledge(
    db: Database, config: Config, links: AckLinks, token: str, now: datetime
) -> AckView:
    """Acknowledge as the person the link was sent to (idempotent: a second press, or a
    colleague's earlier acknowledgement, leaves the first one standing)."""
    grant = links.read(token)
    ctx = Context(config=config, actor=grant.person, now=now)
    with db.write() as session:
        # Checked under the incident's lock, so a resolve or reopen cannot slip in between.
        incident = _usable(session, config, grant, lock=True)
        changed = incidents.acknowledge_in(session, ctx, incident)
        return _view(incident, grant.person, acknowledged_now=changed)
