"""Filling an incident's roles: people assign them; at declaration the configuration's
positions (`positions: {engineering_lead: person:alice}`) and the on-call engineer paging
will reach fill the roles nobody holds, instead of leaving them listed as missing.

Who stands behind a position is paging's answer (`paging.resolve_targets`), so a role
and the page sent for it name the same person. A position that resolves to several
people (a team) fills nothing: a role has one holder.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.db import Database
from warroom.errors import InvalidInputError, NotFoundError
from warroom.incidents import roles
from warroom.incidents.changes import changing, record, runbook_of
from warroom.incidents.models import Incident
from warroom.incidents.presenting import present
from warroom.incidents.rules import ON_CALL, ROLES
from warroom.incidents.schemas import IncidentOut, RoleIn
from warroom.paging.escalation.rules import Target
from warroom.paging.policies import urgency_of
from warroom.paging.targets import resolve_targets


def _known(role: str) -> None:
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="role")


def assign_role(db: Database, ctx: Context, ref: str, role: str, data: RoleIn) -> IncidentOut:
    _known(role)
    person = ctx.config.check_person(data.person)
    with changing(db, ctx, ref) as (session, incident):
        event = roles.put(session, incident, role=role, person=person, actor=ctx.actor, at=ctx.now)
        if event is not None:
            runbook = runbook_of(session, incident, ctx.config)
            roles.tick_for(session, incident, runbook, role, event)
        return present(session, incident, ctx.config, ctx.now)


def unassign_role(db: Database, ctx: Context, ref: str, role: str) -> IncidentOut:
    _known(role)
    with changing(db, ctx, ref) as (session, incident):
        current = roles.holder(incident, role)
        if current is None:
            raise NotFoundError(f"{role} is not assigned on {incident.ref}", field="role")
        data = {"role": role, "person": current.person}
        event = record(session, incident, ctx, "role_unassigned", data)
        incident.roles.remove(current)
        roles.untick_for(session, incident, runbook_of(session, incident, ctx.config), role, event)
        return present(session, incident, ctx.config, ctx.now)


def _source(ctx: Context, incident: Incident, role: str) -> str:
    if role in ctx.config.positions:
        return f"as configured in positions.{role}"
    on_call = next(
        (s for s in map(ctx.config.service, incident.service_names) if s and s.schedule), None
    )
    if role == ON_CALL and on_call is not None:
        return f"on call for {on_call.name} (schedule {on_call.schedule})"
    return f"as the position {role}"


def fill_at_declaration(session: Session, ctx: Context, incident: Incident) -> list[str]:
    """Fill each vacant role whose position resolves to one person now; returns the roles.

    The on-call engineer is whoever is paged: when a low-urgency severity's first page
    waits for business hours, the worker fills that role when it pages (`roles.on_paged`),
    so the morning's on-call engineer gets the role, not the night's."""
    deferred = urgency_of(session, ctx.config, incident) == "low" and not (
        ctx.config.business_calendar.is_open(ctx.now)
    )
    filled = []
    for role in ROLES:
        if roles.holder(incident, role) is not None or (role == ON_CALL and deferred):
            continue
        found = resolve_targets(session, ctx.config, incident, [Target("position", role)], ctx.now)
        if len(found.people) != 1:
            continue  # nobody configured or on call, or a team: the role stays missing
        roles.fill_vacant(
            session,
            ctx.config,
            incident,
            role=role,
            person=found.people[0],
            actor=ctx.actor,
            at=ctx.now,
            source=_source(ctx, incident, role),
        )
        filled.append(role)
    return filled
