"""Moving an incident between open statuses: one path for a person's move (`change_status`)
and the alerts' (all resolved: monitoring; one fires again: investigating), so both write
the same timeline event and the same mitigation time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.incidents import hooks
from warroom.incidents.changes import record
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status


def move_in(
    session: Session, ctx: Context, incident: Incident, target: Status, note: str | None
) -> None:
    """Set the status inside the caller's transaction (the caller checked the move)."""
    data = {"from": incident.status, "to": target.value, "note": note}
    event = record(session, incident, ctx, "status_changed", data)
    incident.status = target.value
    incident.updated_at = ctx.now
    if target is Status.monitoring and incident.mitigated_at is None:
        incident.mitigated_at = ctx.now  # monitoring means a fix is in place
    hooks.run(hooks.installed().status_changed, Change.of(session, ctx, incident, event))
