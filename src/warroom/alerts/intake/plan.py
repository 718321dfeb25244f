"""A delivery of alerts, and what a group of deliveries amounts to when it is only
re-sends: planned before any transaction, so that the write lock is held for SQL alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from warroom.alerts import stale
from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.formats.routing import RouteDecision, route
from warroom.alerts.integrations import Sender
from warroom.alerts.schemas import IngestResult, seconds
from warroom.config import Config

_CHUNK = 1000


def expiry(sender: Sender, event: AlertEvent, config: Config, now: datetime) -> datetime | None:
    default = seconds(config.alerts.resolve_timeout)
    return stale.expiry(stale.stale_timeout(sender.resolve_timeout, event.source, default), now)


def decide(event: AlertEvent, sender: Sender, config: Config) -> RouteDecision:
    known = config.service_names()
    return route(
        event, config.alert_routing, integration_service=sender.service, known_services=known
    )


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


def plan_refreshes(config: Config, now: datetime, deliveries: list[Delivery]) -> list[Refresh]:
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
                expires = expiry(sender, event, config, now)
                times = planned.setdefault((scope, expires), {})
            times[key] = times.get(key, 0) + 1
    # In scope order, so that PostgreSQL locks alerts in (scope, key) order everywhere.
    return [
        Refresh(scope, expires, times)
        for (scope, expires), times in sorted(planned.items(), key=lambda item: item[0][0])
    ]


def receipts(now: datetime, deliveries: list[Delivery]) -> list[dict[str, Any]]:
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
    `resends` stores in one short transaction when every alert is still firing."""

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
    refreshes = plan_refreshes(config, now, deliveries)
    results = [result_of(d, updated=len(d.events)) for d in deliveries]
    return ResendPlan(now, receipts(now, deliveries), refreshes, results)


def result_of(delivery: Delivery, *, updated: int = 0) -> IngestResult:
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
