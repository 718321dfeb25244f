"""Filling an incident's roles: people assign them; at declaration the configuration's
positions (`positions: {engineering_lead: person:alice}`) and the on-call engineer paging
will reach fill the roles nobody holds, instead of leaving them listed as missing.

Filling roles at declaration is paging's (`paging.staffing`): who stands behind a
position is its answer, so a role and the page sent for it name the same person.
"""

from __future__ import annotations

from warroom.context import Context
from warroom.db import Database
from warroom.errors import InvalidInputError, NotFoundError
from warroom.incidents import roles
from warroom.incidents.changes import changing, record
from warroom.incidents.presenting import present
from warroom.incidents.rules import ROLES
from warroom.incidents.schemas import IncidentOut, RoleIn


def _known(role: str) -> None:
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="role")


def assign_role(db: Database, ctx: Context, ref: str, role: str, data: RoleIn) -> IncidentOut:
    _known(role)
    person = ctx.config.check_person(data.person)
    with changing(db, ctx, ref) as (session, incident):
        event = roles.put(session, incident, role=role, person=person, actor=ctx.actor, at=ctx.now)
        if event is not None:
            roles.tell(
                session, ctx.config, incident, role, event, filled=True, actor=ctx.actor, at=ctx.now
            )
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
        roles.tell(
            session, ctx.config, incident, role, event, filled=False, actor=ctx.actor, at=ctx.now
        )
        return present(session, incident, ctx.config, ctx.now)
