"""Changing an incident's severity: the one path for a person's change (`update`) and an
alert raising it (`alerts.intake.grouping`), so both write the same timeline event, move the
response clock and tell the `severity_changed` subscribers alike (paging re-plans
escalation and the response SLA)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.incidents import hooks, rules
from warroom.incidents.changes import iso, record
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident
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
    hooks.run(hooks.installed().severity_changed, Change.of(session, ctx, incident, event))
    return True
