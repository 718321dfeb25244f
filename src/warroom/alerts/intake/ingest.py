"""The full intake path: store every alert, then route, group, open or attach to incidents.

One delivery is one transaction: the alerts, the incidents they open, the timeline
events and the paging jobs commit together before the sender hears 2xx, or none do.
Re-sending a firing alert only updates its row (last seen, occurrences): one batched
UPDATE (`refresh`). The intake writer stores a group made only of such re-sends through
`resends` (`plan.plan_resends`), on a connection of its own, without the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from warroom.alerts import acknowledging, quiet, titles
from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.formats.routing import RouteDecision
from warroom.alerts.intake import grouping
from warroom.alerts.intake.plan import (
    Delivery,
    decide,
    expiry,
    plan_refreshes,
    receipts,
    result_of,
)
from warroom.alerts.intake.refresh import refresh_firing
from warroom.alerts.integrations import Sender
from warroom.alerts.models import Alert, AlertDelivery
from warroom.alerts.schemas import IngestResult
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database, upsert_insert
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status
from warroom.paging import service as paging
from warroom.timeline import service as timeline

_RECORD_DELIVERY = insert(cast(Table, AlertDelivery.__table__))


@dataclass
class Batch:
    """Per-delivery state: incidents opened or found for a group stay put for the rest."""

    ctx: Context
    sender: Sender
    result: IngestResult
    groups: dict[str, Incident | None] = field(default_factory=dict)
    events: list[AlertEvent] = field(default_factory=list)  # the delivery's, left to apply
    # Its triggers by incident group and dedup key, once an incident opens (`_peers`).
    by_group: dict[str, dict[str, titles.AlertText]] | None = None


def _locked_alerts(session: Session, scope: str, keys: Iterable[str]) -> dict[str, Alert]:
    # In key order, as every intake statement locks alerts (scope, then dedup key), so
    # that concurrent groups sharing alerts cannot deadlock on them.
    wanted = sorted(set(keys))
    found: dict[str, Alert] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = (
            select(Alert)
            .where(Alert.scope == scope, Alert.dedup_key.in_(chunk))
            .order_by(Alert.dedup_key)
            .with_for_update()
        )
        found.update((a.dedup_key, a) for a in session.scalars(query))
    return found


def _create_missing(
    session: Session,
    batch: Batch,
    events: list[AlertEvent],
    existing: dict[str, Alert],
) -> set[str]:
    """Insert alerts seen for the first time; returns their keys. A concurrent delivery
    that inserts the same alert first wins, and this one then updates it."""
    now, sender, config = batch.ctx.now, batch.sender, batch.ctx.config
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.dedup_key in existing or event.dedup_key in rows:
            continue
        decision = decide(event, sender, config)
        rows[event.dedup_key] = {
            "scope": sender.scope,
            "dedup_key": event.dedup_key,
            "integration_id": sender.integration_id,
            "source": event.source,
            "summary": event.summary,
            "severity": event.severity,
            "status": "resolved" if event.action == "resolve" else "firing",
            "service": decision.service,
            "group_key": decision.group_key,
            "labels": decision.labels_for(event),
            "details": event.details,
            "links": event.links,
            "first_seen_at": event.starts_at or now,
            "last_seen_at": now,
            "occurrences": 0,
            "resolved_at": now if event.action == "resolve" else None,
            "resolved_by": "source" if event.action == "resolve" else None,
            "expires_at": None,
            "auto_resolve": decision.auto_resolve is True,
            "route": decision.reason,
        }
    if not rows:
        return set()
    statement = (
        upsert_insert(session)(Alert)
        .on_conflict_do_nothing(index_elements=["scope", "dedup_key"])
        .returning(Alert.dedup_key)
    )
    created = {str(key) for key in session.scalars(statement, list(rows.values()))}
    existing.update(_locked_alerts(session, sender.scope, rows))
    return created


# PostgreSQL deadlock_detected and serialization_failure: retrying the delivery is safe,
# since its transaction rolled back whole.
_RETRYABLE = frozenset({"40P01", "40001"})
_ATTEMPTS = 3
# pg_advisory_xact_lock key of the full intake path ("warroom" in ASCII).
_FULL_PATH_LOCK = 0x77617272_6F6F6D


def ingest(
    db: Database,
    config: Config,
    now: datetime,
    sender: Sender,
    events: list[AlertEvent],
    *,
    truncated_alerts: int = 0,
    group_key: str | None = None,
) -> IngestResult:
    """Store one delivery in one transaction (see `ingest_group`)."""
    delivery = Delivery(sender, events, truncated_alerts, group_key)
    return _store_retrying(db, config, now, [delivery])[0]


def ingest_group(
    db: Database, config: Config, now: datetime, deliveries: list[Delivery]
) -> list[IngestResult | Exception]:
    """Store several deliveries in one transaction (group commit), and say for each what
    it did or why it failed. Each delivery is stored whole or not at all: if the group
    fails, each is stored again in its own transaction, so one bad delivery fails alone.

    On PostgreSQL, groups needing more than the re-send fast path take it one at a time
    (an advisory lock); one that still deadlocks (two groups re-sending the same alerts,
    one also resolving some) is aborted by PostgreSQL and retried, up to 3 attempts.
    """
    try:
        return list(_store_retrying(db, config, now, deliveries))
    except Exception as exc:
        if len(deliveries) == 1:
            return [exc]
    outcomes: list[IngestResult | Exception] = []
    for delivery in deliveries:
        try:
            outcomes.append(_store_retrying(db, config, now, [delivery])[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _store_retrying(
    db: Database, config: Config, now: datetime, deliveries: list[Delivery]
) -> list[IngestResult]:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return _store(db, config, now, deliveries)
        except OperationalError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code not in _RETRYABLE or attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _store(
    db: Database, config: Config, now: datetime, deliveries: list[Delivery]
) -> list[IngestResult]:
    batches = [
        Batch(Context(config=config, actor=d.sender.actor, now=now), d.sender, result_of(d))
        for d in deliveries
    ]
    left = [list(d.events) for d in deliveries]
    refreshes = plan_refreshes(config, now, deliveries)
    rows = receipts(now, deliveries)
    with db.write() as session:
        if rows:
            session.execute(_RECORD_DELIVERY, rows)
        refreshed = refresh_firing(session, now, refreshes)
        for batch, delivered in zip(batches, left, strict=True):
            fresh = refreshed.get(batch.sender.scope)
            if fresh:
                rest = [e for e in delivered if e.dedup_key not in fresh]
                batch.result.updated += len(delivered) - len(rest)
                delivered[:] = rest
        if sum(map(len, left)) > 1:
            # The full path locks incidents in the order its alerts come; groups taking
            # it one at a time cannot deadlock on them. One event locks at most one
            # incident (after its alert, before the day's ref counter), so a lone event
            # need not queue.
            db.serialize(session, _FULL_PATH_LOCK)
        for batch, events in zip(batches, left, strict=True):
            if events:
                _apply(session, batch, events)
                session.flush()  # the next delivery's grouping sees this one's alerts
    return [batch.result for batch in batches]


def _apply(session: Session, batch: Batch, events: list[AlertEvent]) -> None:
    """The full path: create, re-fire, resolve or acknowledge alerts one by one, with the
    incidents, timeline events and pages that follow."""
    alerts = _locked_alerts(session, batch.sender.scope, (e.dedup_key for e in events))
    created = _create_missing(session, batch, events, alerts)
    batch.events = events
    for event in events:
        alert = alerts[event.dedup_key]
        if event.action == "trigger":
            _trigger(session, batch, alert, event, fresh=event.dedup_key in created)
            created.discard(event.dedup_key)
        elif event.action == "resolve":
            resolve_alert(session, batch, alert, by="source")
        else:
            acknowledging.acknowledge(session, batch.ctx, alert)
    for incident in batch.groups.values():
        if incident is not None and incident.ref not in batch.result.incidents_opened:
            grouping.retitle(session, batch.ctx, incident)


def _trigger(
    session: Session, batch: Batch, alert: Alert, event: AlertEvent, *, fresh: bool
) -> None:
    now, config = batch.ctx.now, batch.ctx.config
    refired = not fresh and alert.status == "resolved"
    alert.last_seen_at = now
    alert.occurrences += 1
    alert.expires_at = expiry(batch.sender, event, config, now)
    if fresh:
        batch.result.created += 1
    else:
        batch.result.updated += 1
    if not (fresh or refired):
        return  # still firing: nothing changes for people
    alert.status, alert.resolved_at, alert.resolved_by = "firing", None, None
    alert.acknowledged_at = None  # a new firing, not yet acknowledged
    decision = decide(event, batch.sender, config)
    alert.summary, alert.severity = event.summary, event.severity
    alert.labels = decision.labels_for(event)
    alert.route, alert.group_key, alert.auto_resolve = (
        decision.reason,
        decision.group_key,
        decision.auto_resolve is True,
    )
    alert.service = decision.service
    if not decision.open_incident or decision.incident_severity is None:
        return
    incident = _incident_for(session, batch, alert, decision)
    opened = incident.ref in batch.result.incidents_opened
    if not opened and incident.ref not in batch.result.incidents_attached:
        batch.result.incidents_attached.append(incident.ref)
    alert.incident_id = incident.id
    timeline.record(
        session,
        incident_id=incident.id,
        kind="alert_attached",
        actor=batch.sender.actor,
        at=now,
        data={
            "source": alert.source,
            "dedup_key": alert.dedup_key,
            "summary": alert.summary,
            "severity": alert.severity,
            "labels": alert.labels,
            "refired": refired,
            "route": decision.reason,
        },
    )
    if not opened and decision.repage:
        paging.page_for_alert(session, config, incident, f"{alert.id}-{alert.occurrences}", now)


def _incident_for(
    session: Session, batch: Batch, alert: Alert, decision: RouteDecision
) -> Incident:
    """The open incident of the alert's group (its severity raised to the alert's if
    lower), or a new one. Per delivery, a group's incident is looked up once."""
    key = decision.incident_group
    if key in batch.groups:
        incident = batch.groups[key]
    else:
        incident = grouping.find_incident(session, batch.ctx, decision)
    if incident is not None:
        worse = grouping.more_severe(session, batch.ctx, incident, decision)
        if worse is not None and decision.when_more_severe == "own_incident":
            incident = None
        elif worse is not None:
            grouping.raise_severity(session, batch.ctx, incident, worse, alert)
    if incident is None:
        peers = _peers(batch, alert, key)
        incident = grouping.open_incident(session, batch.ctx, alert, decision, peers)
        batch.result.incidents_opened.append(incident.ref)
    elif incident.status == Status.monitoring:
        quiet.fired_again(session, batch.ctx, incident, alert)
    batch.groups[key] = incident
    return incident


def _peers(batch: Batch, alert: Alert, key: str) -> list[titles.AlertText]:
    """The other firing alerts of this delivery in the alert's incident group. The
    delivery's triggers are routed into groups once, when its first incident opens (an
    alert storm opening an incident per alert must not route the delivery each time)."""
    if batch.by_group is None:
        batch.by_group = {}
        for event in batch.events:
            if event.action == "trigger":
                group = decide(event, batch.sender, batch.ctx.config).incident_group
                batch.by_group.setdefault(group, {}).setdefault(
                    event.dedup_key, titles.AlertText(event.summary, event.labels)
                )
    return [t for k, t in batch.by_group.get(key, {}).items() if k != alert.dedup_key]


def resolve_alert(session: Session, batch: Batch, alert: Alert, *, by: str) -> None:
    now = batch.ctx.now
    alert.last_seen_at = now
    if alert.status == "resolved":
        return
    alert.status, alert.resolved_at, alert.resolved_by, alert.expires_at = "resolved", now, by, None
    batch.result.resolved += 1
    if alert.incident_id is None:
        return
    incident = session.scalar(
        select(Incident).where(Incident.id == alert.incident_id).with_for_update()
    )
    if incident is None:
        return
    timeline.record(
        session,
        incident_id=incident.id,
        kind="alert_resolved",
        actor=batch.sender.actor,
        at=now,
        data={"dedup_key": alert.dedup_key, "summary": alert.summary, "resolved_by": by},
    )
    session.flush()
    quiet.after_alert_resolved(session, batch.ctx, incident)
