"""Alert intake: store every alert, then route, group, open or attach to incidents.

One delivery is one transaction: the alerts, the incidents they open, the timeline
events and the paging jobs commit together before the sender hears 2xx, or none do.
Re-sending a firing alert only updates its row (last seen, occurrences): one batched
UPDATE. Intake stores a group made only of such re-sends through `alerts.resends`
(`plan_resends` here), on a connection of its own, without the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import (
    Table,
    bindparam,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from warroom.alerts import acknowledging, changes, grouping, quiet, stale, titles
from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.formats.model import ChangeEvent as ChangeEventIn
from warroom.alerts.formats.routing import RouteDecision, route
from warroom.alerts.integrations import Sender
from warroom.alerts.models import Alert, AlertDelivery, ChangeEvent
from warroom.alerts.schemas import (
    AlertOut,
    ChangeIn,
    ChangeOut,
    IngestResult,
    seconds,
)
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database, UTCDateTime, upsert_insert
from warroom.engine.models import Job
from warroom.errors import InvalidInputError
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import Status, parse_since
from warroom.paging import service as paging
from warroom.runbooks.durations import parse_duration
from warroom.timeline import service as timeline

# --- intake ---------------------------------------------------------------------------


@dataclass
class _Batch:
    """Per-delivery state: incidents opened or found for a group stay put for the rest."""

    ctx: Context
    sender: Sender
    result: IngestResult
    groups: dict[str, Incident | None] = field(default_factory=dict)
    events: list[AlertEvent] = field(default_factory=list)  # the delivery's, left to apply
    # Its triggers by incident group and dedup key, once an incident opens (`_peers`).
    by_group: dict[str, dict[str, titles.AlertText]] | None = None


def _expiry(sender: Sender, event: AlertEvent, config: Config, now: datetime) -> datetime | None:
    default = seconds(config.alerts.resolve_timeout)
    return stale.expiry(stale.stale_timeout(sender.resolve_timeout, event.source, default), now)


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
    batch: _Batch,
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
        decision = _decide(event, sender, config)
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


def _decide(event: AlertEvent, sender: Sender, config: Config) -> RouteDecision:
    known = config.service_names()
    return route(
        event, config.alert_routing, integration_service=sender.service, known_services=known
    )


_ALERTS = cast(Table, Alert.__table__)
_DELIVERIES = cast(Table, AlertDelivery.__table__)
_RECORD_DELIVERY = insert(_DELIVERIES)

# The hot path: re-sent triggers of alerts that are still firing, for a whole group of
# deliveries in one statement per integration. The keys come as one parameter, a JSON
# object key -> times re-sent (`Refresh.chunks`), parsed by the database: the SQL text is
# constant and prepared once, and no driver adapts a list element by element in Python.
# Alerts not firing (or unknown) are not touched; the rows returned say which keys were
# refreshed.
#
# SQLite: ORDER BY makes SQLite materialise the keys and look each alert up by its unique
# index; without it the plan scans every alert of the integration. No RETURNING: Python's
# sqlite3 gives up the GIL for every row it steps through, and each time the writer may
# wait for the event loop's thread to give it back, holding the write lock meanwhile. The
# count of rows changed is enough when it is all of them. (Also run raw by
# `alerts.resends`.)
REFRESH_SQLITE = """
    UPDATE alerts
       SET last_seen_at = :now, occurrences = alerts.occurrences + sent.value,
           expires_at = :expires
      FROM (SELECT key, value FROM json_each(:sent) ORDER BY key) AS sent
     WHERE alerts.scope = :scope AND alerts.dedup_key = sent.key AND alerts.status = 'firing'
"""
_REFRESH_SQLITE = text(REFRESH_SQLITE).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("expires", type_=UTCDateTime()),
)
# Which of the keys were refreshed, when not all were: the firing ones (the UPDATE
# changes no status), as one JSON array, so one row.
_FIRING_SQLITE = text(
    """
    SELECT json_group_array(dedup_key) FROM alerts
     WHERE scope = :scope AND status = 'firing'
       AND dedup_key IN (SELECT key FROM json_each(:sent))
    """
)
_REFRESH_POSTGRESQL = text(
    # Driven from the keys: one unique-index lookup each. The alerts are locked in key
    # order first, as `_locked_alerts` and the fast path (alerts.resends) lock them, so
    # that concurrent groups sharing alerts cannot deadlock.
    """
    UPDATE alerts
       SET last_seen_at = :now, occurrences = alerts.occurrences + locked.times,
           expires_at = :expires
      FROM (SELECT a.id, CAST(sent.value AS integer) AS times
              FROM json_each_text(CAST(:sent AS json)) AS sent
              JOIN alerts AS a ON a.scope = :scope AND a.dedup_key = sent.key
             WHERE a.status = 'firing'
             ORDER BY a.dedup_key FOR UPDATE OF a) AS locked
     WHERE alerts.id = locked.id
    RETURNING alerts.dedup_key
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("expires", type_=UTCDateTime()),
)
_CHUNK = 1000


@dataclass(frozen=True)
class Delivery:
    """One request's alerts: a webhook notification (several) or one event."""

    sender: Sender
    events: list[AlertEvent]
    truncated_alerts: int = 0
    group_key: str | None = None


@dataclass(frozen=True)
class Refresh:
    """One statement of the fast path: alerts of one integration, re-sent `times`."""

    scope: str
    expires: datetime | None
    times: dict[str, int]  # dedup key -> times re-sent in the group

    def chunks(self) -> Iterator[tuple[list[str], str]]:
        """The keys in statements of at most `_CHUNK`, each with its `:sent` parameter:
        the JSON object key -> times re-sent."""
        keys = list(self.times)
        if len(keys) <= _CHUNK:
            yield keys, orjson.dumps(self.times).decode()
            return
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            yield chunk, orjson.dumps({key: self.times[key] for key in chunk}).decode()


def _plan_refreshes(config: Config, now: datetime, deliveries: list[Delivery]) -> list[Refresh]:
    """The re-sends the fast path tries, planned before the transaction so that the
    write lock is held for SQL alone. A key with any other event in the group (a
    resolve, an acknowledge) is left to the full path for all its events, so the
    group's events of one alert apply in their order."""
    slow: dict[str, set[str]] = {}
    for delivery in deliveries:
        for event in delivery.events:
            if event.action != "trigger":
                slow.setdefault(delivery.sender.scope, set()).add(event.dedup_key)
    planned: dict[tuple[str, datetime | None], dict[str, int]] = {}
    for delivery in deliveries:
        sender, scope = delivery.sender, delivery.sender.scope
        skip = slow.get(scope, ())
        source, expires = None, None
        for event in delivery.events:
            key = event.dedup_key
            if key in skip:
                continue
            if event.source != source:
                source = event.source
                expires = _expiry(sender, event, config, now)
                times = planned.setdefault((scope, expires), {})
            times[key] = times.get(key, 0) + 1
    # In scope order, so that PostgreSQL locks alerts in (scope, key) order everywhere.
    return [
        Refresh(scope, expires, times)
        for (scope, expires), times in sorted(planned.items(), key=lambda item: item[0][0])
    ]


def _receipts(now: datetime, deliveries: list[Delivery]) -> list[dict[str, Any]]:
    """The `alert_deliveries` rows of a group (deliveries through an integration)."""
    return [
        {
            "integration_id": d.sender.integration_id,
            "source": d.events[0].source if d.events else "generic",
            "received_at": now,
            "alerts": len(d.events),
            "truncated_alerts": d.truncated_alerts,
            "group_key": d.group_key,
        }
        for d in deliveries
        if d.sender.integration_id is not None
    ]


@dataclass(frozen=True)
class ResendPlan:
    """A group made only of re-sent triggers: its receipts and re-sends, which
    `alerts.resends` stores in one short transaction when every alert is still firing."""

    now: datetime
    receipts: list[dict[str, Any]]
    refreshes: list[Refresh]
    results: list[IngestResult]  # what each delivery did, once stored


def plan_resends(config: Config, now: datetime, deliveries: list[Delivery]) -> ResendPlan | None:
    """The group as re-sends only, or None when some event is not a trigger (a resolve
    or acknowledge needs the full path). Whether the alerts are firing is for the
    statement to find out."""
    if any(e.action != "trigger" for d in deliveries for e in d.events):
        return None
    refreshes = _plan_refreshes(config, now, deliveries)
    results = [_result(d, updated=len(d.events)) for d in deliveries]
    return ResendPlan(now, _receipts(now, deliveries), refreshes, results)


def _result(delivery: Delivery, *, updated: int = 0) -> IngestResult:
    """What a delivery did: nothing yet, or (the re-send path) `updated` alerts."""
    return IngestResult(
        alerts=len(delivery.events),
        created=0,
        updated=updated,
        resolved=0,
        incidents_opened=[],
        incidents_attached=[],
        dedup_keys=[e.dedup_key for e in delivery.events],
    )


def _refresh_firing(
    session: Session,
    refreshes: list[Refresh],
    batches: list[_Batch],
    events: list[list[AlertEvent]],
) -> None:
    """Run the planned re-sends of still-firing alerts, then leave in `events` what the
    full path must still do (unknown, resolved or acknowledged alerts), in order."""
    postgres = session.get_bind().dialect.name == "postgresql"
    now = batches[0].ctx.now
    refreshed: dict[str, set[str]] = {}
    for refresh in refreshes:
        done = refreshed.setdefault(refresh.scope, set())
        for chunk, sent in refresh.chunks():
            params = {"scope": refresh.scope, "now": now, "expires": refresh.expires, "sent": sent}
            if postgres:
                done.update(session.scalars(_REFRESH_POSTGRESQL, params))
                continue
            changed = cast(CursorResult[Any], session.execute(_REFRESH_SQLITE, params)).rowcount
            if changed == len(chunk):
                done.update(chunk)
            elif changed:
                firing = session.scalar(_FIRING_SQLITE, params)
                done.update(orjson.loads(firing or "[]"))
    for batch, delivered in zip(batches, events, strict=True):
        fresh = refreshed.get(batch.sender.scope)
        if fresh:
            rest = [e for e in delivered if e.dedup_key not in fresh]
            batch.result.updated += len(delivered) - len(rest)
            delivered[:] = rest


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
        _Batch(Context(config=config, actor=d.sender.actor, now=now), d.sender, _result(d))
        for d in deliveries
    ]
    left = [list(d.events) for d in deliveries]
    refreshes = _plan_refreshes(config, now, deliveries)
    receipts = _receipts(now, deliveries)
    with db.write() as session:
        if receipts:
            session.execute(_RECORD_DELIVERY, receipts)
        _refresh_firing(session, refreshes, batches, left)
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


def _apply(session: Session, batch: _Batch, events: list[AlertEvent]) -> None:
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
            _resolve(session, batch, alert, by="source")
        else:
            acknowledging.acknowledge(session, batch.ctx, alert)
    for incident in batch.groups.values():
        if incident is not None and incident.ref not in batch.result.incidents_opened:
            grouping.retitle(session, batch.ctx, incident)


def _trigger(
    session: Session, batch: _Batch, alert: Alert, event: AlertEvent, *, fresh: bool
) -> None:
    now, config = batch.ctx.now, batch.ctx.config
    refired = not fresh and alert.status == "resolved"
    alert.last_seen_at = now
    alert.occurrences += 1
    alert.expires_at = _expiry(batch.sender, event, config, now)
    if fresh:
        batch.result.created += 1
    else:
        batch.result.updated += 1
    if not (fresh or refired):
        return  # still firing: nothing changes for people
    alert.status, alert.resolved_at, alert.resolved_by = "firing", None, None
    alert.acknowledged_at = None  # a new firing, not yet acknowledged
    decision = _decide(event, batch.sender, config)
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
    session: Session, batch: _Batch, alert: Alert, decision: RouteDecision
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


def _peers(batch: _Batch, alert: Alert, key: str) -> list[titles.AlertText]:
    """The other firing alerts of this delivery in the alert's incident group. The
    delivery's triggers are routed into groups once, when its first incident opens (an
    alert storm opening an incident per alert must not route the delivery each time)."""
    if batch.by_group is None:
        batch.by_group = {}
        for event in batch.events:
            if event.action == "trigger":
                group = _decide(event, batch.sender, batch.ctx.config).incident_group
                batch.by_group.setdefault(group, {}).setdefault(
                    event.dedup_key, titles.AlertText(event.summary, event.labels)
                )
    return [t for k, t in batch.by_group.get(key, {}).items() if k != alert.dedup_key]


def _resolve(session: Session, batch: _Batch, alert: Alert, *, by: str) -> None:
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


# --- the engine's side: alerts that stopped being re-sent ----------------------------


def resolve_expired(db: Database, config: Config, now: datetime, limit: int = 500) -> int:
    """Resolve firing alerts not re-sent before their expiry; marked resolved_by=timeout."""
    with db.write() as session:
        expired = list(
            session.scalars(
                select(Alert)
                .where(Alert.status == "firing", Alert.expires_at < now)
                .order_by(Alert.expires_at)
                .limit(limit)
                .with_for_update()
            )
        )
        by_scope: dict[str, list[Alert]] = {}
        for alert in expired:
            by_scope.setdefault(alert.scope, []).append(alert)
        for scope, alerts in by_scope.items():
            sender = Sender(scope=scope, name="engine")
            batch = _Batch(
                Context(config=config, actor="engine", now=now),
                sender,
                IngestResult(
                    alerts=0,
                    created=0,
                    updated=0,
                    resolved=0,
                    incidents_opened=[],
                    incidents_attached=[],
                    dedup_keys=[],
                ),
            )
            for alert in alerts:
                _resolve(session, batch, alert, by="timeout")
        return len(expired)


def prune_finished_jobs(db: Database, now: datetime, keep: timedelta = timedelta(days=7)) -> int:
    with db.write() as session:
        result = session.execute(
            delete(Job).where(Job.status.in_(["done", "cancelled"]), Job.due_at < now - keep)
        )
        return int(getattr(result, "rowcount", 0) or 0)


PRUNE_BATCH = 5000


def prune_deliveries(db: Database, config: Config, now: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` delivery receipts older than `alerts.keep_deliveries` (one
    row per webhook request: they would otherwise grow without end). The oldest go
    first, in id order, so the query walks the primary key and stops early; a backlog
    is worked down a batch per sweep, never holding the write lock for long."""
    keep = parse_duration(config.alerts.keep_deliveries)
    if not keep:
        return 0
    oldest = (
        select(AlertDelivery.id)
        .where(AlertDelivery.received_at < now - keep)
        .order_by(AlertDelivery.id)
        .limit(limit)
    )
    with db.write() as session:
        result = session.execute(delete(AlertDelivery).where(AlertDelivery.id.in_(oldest)))
        return int(getattr(result, "rowcount", 0) or 0)


# --- reading ---------------------------------------------------------------------------


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


# --- change events -----------------------------------------------------------------------


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
        row, duplicate = changes.insert_once(session, values)
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
        return changes.insert_once(session, values)[1]


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
