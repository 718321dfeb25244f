"""Filling an incident's vacant roles at declaration: the configuration's positions
(`positions: {engineering_lead: person:alice}`) and the on-call engineer paging will
reach. Who stands behind a position is paging's answer (`targets.resolve_targets`), so a
role and the page sent for it name the same person. A position that resolves to several
people (a team) fills nothing: a role has one holder.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents import roles
from warroom.incidents.models import Incident
from warroom.incidents.rules import ON_CALL, ROLES
from warroom.paging.escalation.rules import Target
from warroom.paging.policies import urgency_of
from warroom.paging.targets import resolve_targets


def _source(config: Config, incident: Incident, role: str) -> str:
    if role in config.positions:
        return f"as configured in positions.{role}"
    on_call = next(
        (s for s in map(config.service, incident.service_names) if s and s.schedule), None
    )
    if role == ON_CALL and on_call is not None:
        return f"on call for {on_call.name} (schedule {on_call.schedule})"
    return f"as the position {role}"


def fill_at_declaration(
    session: Session, config: Config, incident: Incident, *, actor: str, at: datetime
) -> list[str]:
    """Fill each vacant role whose position resolves to one person now; returns the roles.

    The on-call engineer is whoever is paged: when a low-urgency severity's first page
    waits for business hours, the worker fills that role when it pages (`roles.on_paged`),
    so the morning's on-call engineer gets the role, not the night's."""
    deferred = urgency_of(session, config, incident) == "low" and not (
        config.business_calendar.is_open(at)
    )
    filled = []
    for role in ROLES:
        if roles.holder(incident, role) is not None or (role == ON_CALL and deferred):
            continue
        found = resolve_targets(session, config, incident, [Target("position", role)], at)
        if len(found.people) != 1:
            continue  # nobody configured or on call, or a team: the role stays missing
        roles.fill_vacant(
            session,
            config,
            incident,
            role=role,
            person=found.people[0],
            actor=actor,
            at=at,
            source=_source(config, incident, role),
        )
        filled.append(role)
    return filled
