"""An incident's roles, whoever fills them (a person through the API, a position from the
configuration, the paging that found the on-call engineer); a filled role is told to the
`role_filled` subscribers (tasks tick what it completes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents import hooks, rules
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident, IncidentRole
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


def tell(
    session: Session,
    config: Config,
    incident: Incident,
    role: str,
    event: TimelineEvent,
    *,
    filled: bool,
    actor: str,
    at: datetime,
) -> None:
    """Tell the role_filled (or, a role left empty, the role_vacated) subscribers: tasks
    tick the role's task and "Assemble team", or reopen what warroom ticked for it."""
    installed = hooks.installed()
    subscribers = installed.role_filled if filled else installed.role_vacated
    hooks.run(subscribers, Change(session, config, incident, actor, at, event, role=role))


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
    tell(session, config, incident, role, event, filled=True, actor=actor, at=at)
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
