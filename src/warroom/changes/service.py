"""Deploy and config change events: recorded by pipelines (REST) and PagerDuty senders
(the Change Events API), each change once (`store`), and read back by service and time,
or as the changes before an incident (the runbook's "check recent deployments").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from warroom.alerts.formats.model import ChangeEvent as ChangeEventIn
from warroom.alerts.integrations import Sender
from warroom.alerts.models import ChangeEvent
from warroom.alerts.schemas import ChangeIn, ChangeOut
from warroom.changes.store import insert_once
from warroom.context import Context
from warroom.db import Database
from warroom.errors import InvalidInputError
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import parse_since


def _change_out(row: ChangeEvent) -> ChangeOut:
    return ChangeOut(
        id=row.id,
        service=row.service,
        summary=row.summary,
        source=row.source,
        occurred_at=row.occurred_at,
        details=row.details,
        links=row.links,
        recorded_by=row.recorded_by,
    )


def record_change(db: Database, ctx: Context, data: ChangeIn) -> ChangeOut:
    """Record a change, once: a retry gets the stored one back, `duplicate` set."""
    ctx.config.check_services([data.service], field="service")
    values = {
        "service": data.service,
        "summary": data.summary,
        "source": data.source,
        "occurred_at": data.occurred_at or ctx.now,
        "received_at": ctx.now,
        "details": data.details,
        "links": data.links,
        "integration_id": None,
        "recorded_by": ctx.actor,
    }
    with db.write() as session:
        row, duplicate = insert_once(session, values)
        return _change_out(row).model_copy(update={"duplicate": duplicate})


def record_pagerduty_change(
    db: Database, sender: Sender, event: ChangeEventIn, now: datetime
) -> bool:
    """Record a PagerDuty change event, once; True when it was stored already."""
    values = {
        "service": event.service or sender.service,
        "summary": event.summary,
        "source": event.source_name,
        "occurred_at": event.occurred_at or now,
        "received_at": now,
        "details": event.details,
        "links": event.links,
        "integration_id": sender.integration_id,
        "recorded_by": sender.actor,
    }
    with db.write() as session:
        return insert_once(session, values)[1]


def list_changes(
    db: Database,
    now: datetime,
    *,
    service: str | None = None,
    since: str | None = None,
    limit: int = 100,
) -> list[ChangeOut]:
    query = select(ChangeEvent).order_by(ChangeEvent.occurred_at.desc()).limit(limit)
    if service:
        query = query.where(ChangeEvent.service == service)
    if since:
        try:
            query = query.where(ChangeEvent.occurred_at >= parse_since(since, now))
        except ValueError as exc:
            raise InvalidInputError(str(exc), field="since") from None
    with db.read() as session:
        return [_change_out(r) for r in session.scalars(query)]


RECENT_CHANGES = timedelta(hours=24)  # runbook: check recent deployments (last 24 hours)


def changes_before(db: Database, ref: str) -> list[ChangeOut]:
    with db.read() as session:
        incident = by_ref(session, ref)
        services = incident.service_names
        if not services:
            return []
        rows = session.scalars(
            select(ChangeEvent)
            .where(
                ChangeEvent.service.in_(services),
                ChangeEvent.occurred_at >= incident.declared_at - RECENT_CHANGES,
                ChangeEvent.occurred_at <= incident.declared_at,
            )
            .order_by(ChangeEvent.occurred_at.desc())
        )
        return [_change_out(r) for r in rows]
