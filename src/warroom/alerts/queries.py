"""Reading stored alerts: the alert list, an incident's alerts, and their counts."""

from __future__ import annotations

from sqlalchemy import select

from warroom.alerts import tally
from warroom.alerts.models import Alert
from warroom.alerts.schemas import AlertOut, AlertsSummaryOut
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref


def _alert_out(alert: Alert, refs: dict[int, str]) -> AlertOut:
    return AlertOut(
        id=alert.id,
        source=alert.source,
        dedup_key=alert.dedup_key,
        summary=alert.summary,
        severity=alert.severity,
        status=alert.status,
        service=alert.service,
        labels=alert.labels,
        first_seen_at=alert.first_seen_at,
        last_seen_at=alert.last_seen_at,
        occurrences=alert.occurrences,
        resolved_at=alert.resolved_at,
        resolved_by=alert.resolved_by,
        acknowledged_at=alert.acknowledged_at,
        incident=refs.get(alert.incident_id) if alert.incident_id else None,
        route=alert.route,
    )


def list_alerts(
    db: Database, *, status: str | None = None, service: str | None = None, limit: int = 100
) -> list[AlertOut]:
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        query = query.where(Alert.status == status)
    if service:
        query = query.where(Alert.service == service)
    with db.read() as session:
        rows = list(session.scalars(query))
        ids = {a.incident_id for a in rows if a.incident_id}
        refs: dict[int, str] = {}
        if ids:
            ref_query = select(Incident.id, Incident.ref).where(Incident.id.in_(ids))
            refs.update((row.id, row.ref) for row in session.execute(ref_query))
        return [_alert_out(a, refs) for a in rows]


def alerts_of(db: Database, ref: str) -> list[AlertOut]:
    with db.read() as session:
        incident = by_ref(session, ref)
        rows = session.scalars(
            select(Alert).where(Alert.incident_id == incident.id).order_by(Alert.id)
        )
        return [_alert_out(a, {incident.id: incident.ref}) for a in rows]


def alerts_summary(db: Database, ref: str) -> AlertsSummaryOut:
    with db.read() as session:
        return tally.summary_of(session, by_ref(session, ref).id)
