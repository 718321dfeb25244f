"""What an incident does when its alerts stop firing.

When every alert of an incident has resolved, the timeline says so. An alert resolved by
its stale timeout (`alerts.stale`) was only not re-sent, which is no proof the problem is
gone: then the incident stays as it is, and the timeline says why.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.context import Context
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status
from warroom.timeline import service as timeline


def after_alert_resolved(
    session: Session, ctx: Context, actor: str, incident: Incident, alert: Alert
) -> None:
    """Called once `alert`, of `incident`, resolved (flushed)."""
    counts = dict(
        session.execute(
            select(Alert.status, func.count())
            .where(Alert.incident_id == incident.id)
            .group_by(Alert.status)
        ).all()
    )
    if counts.get("firing"):
        return
    timed_out = int(
        session.scalar(
            select(func.count()).where(
                Alert.incident_id == incident.id, Alert.resolved_by == "timeout"
            )
        )
        or 0
    )
    auto = alert.auto_resolve and not timed_out and incident.status != Status.resolved
    timeline.record(
        session,
        incident_id=incident.id,
        kind="all_alerts_resolved",
        actor=actor,
        at=ctx.now,
        data={"auto_resolve": auto, "timed_out": timed_out},
    )
    if auto:
        incidents.resolve_in(
            session, ctx, incident, "All alerts resolved (auto-resolved by routing rule)."
        )
