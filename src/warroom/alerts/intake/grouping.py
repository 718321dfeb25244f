"""Which incident a firing alert joins, and what joining does to it.

An alert joins only an open incident of its own group (`RouteDecision.incident_group`):
the group an incident was opened by is stored with it (`IncidentAlertGroup`), so an alert
of another `group_by` value, or routed by another rule, opens its own incident instead of
joining through the service. An incident a person declared has no group; alerts grouped by
service join it.

Grouping never lowers the urgency of an alert: one more severe than the incident it joins
raises the incident's severity through the incidents' own path (timeline event, response
clock, escalation re-planned as for a person's change), or, where its routing rule says
`when_more_severe: own_incident`, opens an incident of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.sql.elements import ColumnElement

from warroom.alerts.formats.routing import RouteDecision
from warroom.alerts.models import Alert, IncidentAlertGroup
from warroom.alerts.titles import AlertText, group_title
from warroom.context import Context
from warroom.incidents import service as incidents
from warroom.incidents import severity
from warroom.incidents.changes import record, runbook_of
from warroom.incidents.models import Incident, IncidentService
from warroom.incidents.rules import OPEN_STATUSES
from warroom.incidents.schemas import DeclareIn
from warroom.runbooks.model import Runbook, SeverityLevel, UnknownSeverityError

_OPEN = [s.value for s in OPEN_STATUSES]


def find_incident(session: Session, ctx: Context, decision: RouteDecision) -> Incident | None:
    """The newest open incident of the alert's group declared within the group window."""
    key = decision.incident_group
    of_group = exists().where(
        IncidentAlertGroup.incident_id == Incident.id, IncidentAlertGroup.group_key == key
    )
    joins: ColumnElement[bool] = of_group
    if not decision.group_by and decision.service:
        declared_by_a_person = and_(
            ~exists().where(IncidentAlertGroup.incident_id == Incident.id),
            exists().where(
                IncidentService.incident_id == Incident.id,
                IncidentService.service == decision.service,
            ),
        )
        joins = or_(of_group, declared_by_a_person)
    since = ctx.now - ctx.config.alerts.window
    # No autoflush: the alerts this delivery changed so far are of other groups (each
    # group's answer is kept per delivery), and flushing them one query at a time cost an
    # UPDATE and INSERT per alert instead of one batch. Intake flushes between deliveries,
    # which may share a group.
    with session.no_autoflush:
        return session.scalar(
            select(Incident)
            .where(joins, Incident.status.in_(_OPEN), Incident.declared_at >= since)
            .order_by(Incident.id.desc())
            .limit(1)
            .with_for_update(of=Incident)
            # Its services and roles only if re-paging asks for them: loading both with
            # every incident found was most of an alert storm's time.
            .options(lazyload(Incident.services), lazyload(Incident.roles))
        )


def _level(runbook: Runbook, decision: RouteDecision) -> SeverityLevel:
    rank = int(str(decision.incident_severity)[-1])
    return next((s for s in runbook.severities if s.rank == rank), runbook.severities[-1])


def more_severe(
    session: Session, ctx: Context, incident: Incident, decision: RouteDecision
) -> SeverityLevel | None:
    """The alert's level in the incident's runbook, when it is worse than the incident's."""
    runbook = runbook_of(session, incident, ctx.config)
    level = _level(runbook, decision)
    try:
        current = runbook.severity(incident.severity)
    except UnknownSeverityError:  # a runbook changed under it: do not guess
        return None
    return level if level.rank < current.rank else None


def raise_severity(
    session: Session, ctx: Context, incident: Incident, level: SeverityLevel, alert: Alert
) -> None:
    note = f"a {alert.severity} alert joined: {alert.summary}"[:500]
    severity.change_in(session, ctx, incident, level, note=note)


def open_incident(
    session: Session,
    ctx: Context,
    alert: Alert,
    decision: RouteDecision,
    peers: Sequence[AlertText] = (),
) -> Incident:
    """Declare the incident an alert opens, and record its group; `peers` are the other
    alerts of its group in the same delivery, which the title counts."""
    config = ctx.config
    services = [decision.service] if decision.service else []
    note: dict[str, Any] = {
        "opened_by_alert": {"source": alert.source, "dedup_key": alert.dedup_key}
    }
    known = config.service_names()
    if known and services and services[0] not in known:
        note["unknown_service"] = services[0]
        services = []
    runbook = config.runbook_for(services)
    title = group_title([AlertText(alert.summary, alert.labels), *peers])
    data = DeclareIn(title=title, severity=_level(runbook, decision).name, services=services)
    incident, _ = incidents.declare_in(session, ctx, data, extra=note)
    session.add(
        IncidentAlertGroup(
            incident_id=incident.id,
            group_key=decision.incident_group,
            opened_by_alert_id=alert.id,
            auto_resolve=decision.auto_resolve,
            title=title,
        )
    )
    return incident


def retitle(session: Session, ctx: Context, incident: Incident) -> None:
    """After alerts joined an incident their group opened: its title counts them again,
    unless a person gave it another (a person's title is never replaced)."""
    group = session.get(IncidentAlertGroup, incident.id)
    if group is None or group.title != incident.title:
        return
    session.flush()
    rows = session.execute(
        select(Alert.summary, Alert.labels)
        .where(Alert.incident_id == incident.id)
        .order_by(Alert.id)
    )
    alerts = [AlertText(summary, labels) for summary, labels in rows]
    title = group_title(alerts) if alerts else incident.title
    if title == incident.title:
        return
    record(session, incident, ctx, "title_changed", {"from": incident.title, "to": title})
    incident.title = group.title = title
