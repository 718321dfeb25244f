"""An incident's roles, whoever fills them (a person through the API, a position from the
configuration, the paging that found the on-call engineer), and the tasks a role ticks.

Imports nothing from paging, so the paging worker can call `fill_vacant` when its first
escalation step has found the on-call engineer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents import rules
from warroom.incidents.changes import runbook_of
from warroom.incidents.models import Incident, IncidentRole
from warroom.runbooks import triggers
from warroom.runbooks.model import Runbook
from warroom.tasks import service as tasks
from warroom.timeline import service as timeline
from warroom.timeline.models import TimelineEvent


def holder(incident: Incident, role: str) -> IncidentRole | None:
    return next((r for r in incident.roles if r.role == role), None)


def put(
    session: Session,
    incident: Incident,
    *,
    role: str,
    person: str,
    actor: str,
    at: datetime,
    source: str | None = None,
) -> TimelineEvent | None:
    """Give `role` to `person` with its timeline event; None when they already hold it.
    `source` says where a role filled without a person's request came from."""
    current = holder(incident, role)
    if current is not None and current.person == person:
        return None
    data = {"role": role, "person": person, "previous": current.person if current else None}
    event = timeline.record(
        session,
        incident_id=incident.id,
        kind="role_assigned",
        actor=actor,
        at=at,
        data={**data, "source": source} if source else data,
    )
    if current is None:
        incident.roles.append(
            IncidentRole(role=role, person=person, assigned_by=actor, assigned_at=at)
        )
    else:
        current.person, current.assigned_by, current.assigned_at = person, actor, at
    return event


def tick_for(
    session: Session, incident: Incident, runbook: Runbook, role: str, event: TimelineEvent
) -> None:
    """The tasks a filled role ticks: the one naming it, and "Assemble team" once every
    role the severity requires has a holder."""
    tasks.tick(session, incident, triggers.role_filled(role), event)
    check_team(session, incident, runbook, event)


def untick_for(
    session: Session, incident: Incident, runbook: Runbook, role: str, event: TimelineEvent
) -> None:
    """A role left vacant reopens the tasks warroom ticked for it."""
    tasks.untick(session, incident, triggers.role_filled(role), event)
    check_team(session, incident, runbook, event)


def check_team(
    session: Session, incident: Incident, runbook: Runbook, event: TimelineEvent
) -> None:
    """ "Assemble team" follows the roles the severity requires: ticked when all have a
    holder, reopened (if warroom ticked it) when one is missing again."""
    held = {r.role for r in incident.roles}
    if rules.missing_roles(runbook.required_roles(incident.severity), held):
        tasks.untick(session, incident, triggers.TEAM_ASSEMBLED, event)
    else:
        tasks.tick(session, incident, triggers.TEAM_ASSEMBLED, event)


def fill_vacant(
    session: Session,
    config: Config,
    incident: Incident,
    *,
    role: str,
    person: str,
    actor: str,
    at: datetime,
    source: str,
) -> bool:
    """Fill `role` when nobody holds it (a person's choice is never overridden)."""
    if holder(incident, role) is not None:
        return False
    event = put(session, incident, role=role, person=person, actor=actor, at=at, source=source)
    assert event is not None  # the role was vacant
    tick_for(session, incident, runbook_of(session, incident, config), role, event)
    return True


def on_paged(
    session: Session,
    config: Config,
    incident: Incident,
    step: Mapping[str, Any],
    people: list[str],
    actor: str,
    at: datetime,
) -> None:
    """An escalation step (its job payload: targets, step, round, first) found `people`: the
    on-call engineer's role, if vacant, goes to the one person the first step pages."""
    if step.get("action") == "notify":
        return  # told, not paged: being notified fills no role
    first = bool(step.get("first", int(step["step"]) == 0 and int(step["round"]) == 0))
    role = rules.paged_role(list(step["targets"]), first=first)
    if role is not None and len(people) == 1:
        fill_vacant(
            session,
            config,
            incident,
            role=role,
            person=people[0],
            actor=actor,
            at=at,
            source=f"paged by escalation step {step['step']}",
        )
