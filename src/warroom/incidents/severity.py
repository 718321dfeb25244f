"""Changing an incident's severity: the one path for a person's change (`update`) and an
alert raising it (`alerts.grouping`), so both write the same timeline event, move the
response clock and re-plan escalation and the response SLA alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.incidents import roles, rules
from warroom.incidents.changes import iso, record, runbook_of
from warroom.incidents.models import Incident
from warroom.paging import service as paging
from warroom.runbooks.model import SeverityLevel


def change_in(
    session: Session,
    ctx: Context,
    incident: Incident,
    level: SeverityLevel,
    note: str | None = None,
) -> bool:
    """Set the severity inside the caller's transaction; False when it already was."""
    if level.name == incident.severity:
        return False
    due = rules.response_due(incident.declared_at, level, ctx.config.business_calendar)
    data = {"from": incident.severity, "to": level.name, "response_due_at": iso(due)}
    event = record(
        session, incident, ctx, "severity_changed", {**data, **({"note": note} if note else {})}
    )
    incident.severity = level.name
    incident.response_due_at = due
    incident.updated_at = ctx.now
    paging.plan_escalation(session, ctx.config, incident, ctx.now)
    paging.plan_response_sla(session, incident, ctx.now, config=ctx.config)
    # Another severity may require other roles: "Assemble team" follows.
    roles.check_team(session, incident, runbook_of(session, incident, ctx.config), event)
    return True
