"""What an incident does when its alerts stop firing, and when one fires again.

When every alert of an incident an alert opened has been resolved by its sender:
pending escalation and notification steps stop, the incident moves to `monitoring` (a
timeline event), and it resolves itself after the runbook's monitoring window ("Monitor
for 15-30 minutes": 30 min) if nothing fires again: a `monitoring_resolve` job. Its
routing rule decides (`auto_resolve`); by default it does so only if nobody acknowledged
it, since a person who did is watching it. An alert firing again during monitoring moves
it back to `investigating`, re-plans escalation and pages the first step again.

An incident a person declared is left to people: the timeline says its alerts resolved.
An alert resolved by its stale timeout (`alerts.stale`) was only not re-sent, which is no
proof the problem is gone: then the incident stays as it is, and the timeline says why.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, IncidentAlertGroup
from warroom.context import Context
from warroom.engine import service as engine
from warroom.engine.worker import JobRun
from warroom.incidents import resolution
from warroom.incidents import status as incident_status
from warroom.incidents.changes import runbook_of
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status
from warroom.paging import service as paging
from warroom.runbooks.monitoring import monitoring_window
from warroom.timeline import service as timeline

log = logging.getLogger("warroom.alerts")

MONITORING_RESOLVE = "monitoring_resolve"
ENGINE = "engine"


def _count(session: Session, *where: Any) -> int:
    return int(session.scalar(select(func.count()).where(*where)) or 0)


def _resolves_itself(group: IncidentAlertGroup, incident: Incident) -> bool:
    if group.auto_resolve is not None:
        return group.auto_resolve
    return incident.acknowledged_at is None


def after_alert_resolved(session: Session, ctx: Context, incident: Incident) -> None:
    """Called once an alert of `incident` resolved (flushed)."""
    if _count(session, Alert.incident_id == incident.id, Alert.status == "firing"):
        return
    data: dict[str, Any] = {}
    timed_out = _count(session, Alert.incident_id == incident.id, Alert.resolved_by == "timeout")
    group = session.get(IncidentAlertGroup, incident.id)
    quiets = group is not None and not timed_out and incident.status != Status.resolved
    if timed_out:
        data["timed_out"] = timed_out
    if group is None or not quiets:
        _record(session, ctx, incident, "all_alerts_resolved", data)
        return
    window = monitoring_window(runbook_of(session, incident, ctx.config))
    data["monitoring"] = True
    if window is None:
        data["stays"] = "no_window"
    elif not _resolves_itself(group, incident):
        data["stays"] = "routing_rule" if group.auto_resolve is False else "acknowledged"
    else:
        due = ctx.now + window
        data["resolves_at"], data["window_minutes"] = due.isoformat(), window / timedelta(minutes=1)
        engine.enqueue(
            session,
            kind=MONITORING_RESOLVE,
            key=f"{MONITORING_RESOLVE}:{incident.id}:{due.strftime('%Y%m%dT%H%M%S')}",
            due_at=due,
            now=ctx.now,
            incident_id=incident.id,
            payload={"window_minutes": data["window_minutes"]},
        )
    _record(session, ctx, incident, "all_alerts_resolved", data)
    paging.on_alerts_quiet(session, incident)
    if incident.status != Status.monitoring:
        incident_status.move_in(session, ctx, incident, Status.monitoring, "all alerts resolved")


def fired_again(session: Session, ctx: Context, incident: Incident, alert: Alert) -> None:
    """An alert (re)joined `incident`, which is monitoring: back to investigating, with
    escalation re-planned and the first step paged again."""
    engine.cancel(session, incident_id=incident.id, kinds=[MONITORING_RESOLVE])
    note = f"alert fired again while monitoring: {alert.summary}"[:500]
    incident_status.move_in(session, ctx, incident, Status.investigating, note)
    paging.plan_escalation(session, ctx.config, incident, ctx.now)
    paging.plan_response_sla(session, incident, ctx.now, config=ctx.config)
    if incident.acknowledged_at is None:
        paging.page_for_alert(
            session, ctx.config, incident, f"{alert.id}-{alert.occurrences}", ctx.now
        )


def _record(
    session: Session, ctx: Context, incident: Incident, kind: str, data: dict[str, Any]
) -> None:
    timeline.record(
        session, incident_id=incident.id, kind=kind, actor=ctx.actor, at=ctx.now, data=data
    )


def run_monitoring_resolve(run: JobRun) -> None:
    """The monitoring window passed: resolve the incident if it is still quiet, still
    monitoring, and still meant to resolve itself."""
    now = run.clock.now()
    with run.db.write() as session:
        incident = session.scalar(
            select(Incident).where(Incident.id == run.job.incident_id).with_for_update()
        )
        if incident is None or incident.status != Status.monitoring:
            return
        group = session.get(IncidentAlertGroup, incident.id)
        firing = _count(session, Alert.incident_id == incident.id, Alert.status == "firing")
        if group is None or firing or not _resolves_itself(group, incident):
            return
        minutes = int(float(run.job.payload.get("window_minutes", 0)))
        summary = (
            "All alerts resolved and none fired again in the runbook's monitoring window "
            f"({minutes} min): resolved by itself."
        )
        resolution.resolve_in(
            session, Context(config=run.config, actor=ENGINE, now=now), incident, summary
        )
        log.info("%s resolved itself after %s min of monitoring", incident.ref, minutes)
