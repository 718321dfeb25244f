"""Resolving an incident, and saying what it left undone.

Resolving is never refused for roles nobody filled or tasks nobody ticked (the service is
back; people decide), but the answer warns, listing them, and the timeline keeps them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.db import Database
from warroom.incidents import hooks, rules
from warroom.incidents.changes import changing, record, refused_move, runbook_of
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident
from warroom.incidents.presenting import present
from warroom.incidents.rules import Status
from warroom.incidents.schemas import IncidentOut, ResolveIn
from warroom.runbooks import progress


def resolve(db: Database, ctx: Context, ref: str, data: ResolveIn) -> IncidentOut:
    with changing(db, ctx, ref) as (session, incident):
        warnings = resolve_in(session, ctx, incident, data.summary)
        out = present(session, incident, ctx.config, ctx.now)
        out.warnings = [*out.warnings, *warnings]
        return out


def resolve_in(session: Session, ctx: Context, incident: Incident, summary: str) -> list[str]:
    """Resolve inside the caller's transaction; returns the warnings (what was left undone)."""
    if not rules.can_move(Status(incident.status), Status.resolved):
        raise refused_move(incident, Status.resolved.value)
    runbook = runbook_of(session, incident, ctx.config)
    phase = progress.phase_after_resolve(runbook)
    held = {r.role for r in incident.roles}
    missing = rules.missing_roles(runbook.required_roles(incident.severity), held)
    data: dict[str, Any] = {"from": incident.status, "summary": summary, "phase": phase}
    if missing:
        data["missing_roles"] = missing
    event = record(session, incident, ctx, "incident_resolved", data)
    incident.status = Status.resolved.value
    incident.resolved_at = ctx.now
    incident.resolution_summary = summary
    incident.mitigated_at = incident.mitigated_at or ctx.now
    incident.phase = phase
    incident.updated_at = ctx.now
    change = Change.of(session, ctx, incident, event)
    return [
        *rules.resolution_warnings(missing, []),
        *hooks.run(hooks.installed().resolved, change),  # tasks add the open ones
    ]
