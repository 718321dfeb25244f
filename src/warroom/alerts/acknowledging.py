"""A sender's acknowledge (PagerDuty Events API `acknowledge`) acknowledges an alert.

A script acknowledging one dedup key must not silence an incident a person declared, or
one with other alerts still firing: that stops the escalation everyone else relies on.
So the incident is acknowledged only when the alert opened it and is its only open
(firing) alert; otherwise the alert alone is acknowledged, and the timeline says so and
why the incident was not.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, IncidentAlertGroup
from warroom.context import Context
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status
from warroom.timeline import service as timeline


def acknowledge(session: Session, ctx: Context, alert: Alert) -> None:
    """Acknowledge `alert` (its sender asked), and its incident only if it is the alert's
    alone. Acknowledging again records nothing more, but acknowledges the incident once
    the other alerts have resolved."""
    alert.last_seen_at = ctx.now
    if alert.status != "firing":
        return
    first = alert.acknowledged_at is None
    alert.acknowledged_at = alert.acknowledged_at or ctx.now
    if alert.incident_id is None:
        return
    incident = session.scalar(
        select(Incident).where(Incident.id == alert.incident_id).with_for_update()
    )
    if incident is None or incident.status == Status.resolved:
        return
    group = session.get(IncidentAlertGroup, incident.id)
    opened_by_it = group is not None and group.opened_by_alert_id == alert.id
    others = int(
        session.scalar(
            select(func.count()).where(
                Alert.incident_id == incident.id, Alert.status == "firing", Alert.id != alert.id
            )
        )
        or 0
    )
    if opened_by_it and not others:
        incidents.acknowledge_in(session, ctx, incident)
        return
    if not first:
        return
    if incident.acknowledged_at is not None:
        kept = None  # nothing was kept from anyone: a person acknowledged it already
    elif group is None:
        kept = "declared_by_a_person"
    elif not opened_by_it:
        kept = "opened_by_another_alert"
    else:
        kept = "other_alerts_firing"
    timeline.record(
        session,
        incident_id=incident.id,
        kind="alert_acknowledged",
        actor=ctx.actor,
        at=ctx.now,
        data={
            "source": alert.source,
            "dedup_key": alert.dedup_key,
            "summary": alert.summary,
            "incident_not_acknowledged": kept,
            "other_alerts_firing": others,
        },
    )
