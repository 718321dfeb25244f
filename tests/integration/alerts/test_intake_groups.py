"""Group commit of alert intake: several deliveries per transaction, each still stored
whole or not at all, in order, on both backends."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import cast

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api
from warroom import migrations
from warroom.alerts import integrations
from warroom.alerts.formats.model import Action, AlertEvent
from warroom.alerts.intake.ingest import ingest, ingest_group
from warroom.alerts.intake.plan import Delivery
from warroom.alerts.intake.receipts import prune_deliveries
from warroom.alerts.intake.writer import IntakeWriter
from warroom.alerts.integrations import Sender
from warroom.alerts.models import Alert, AlertDelivery
from warroom.alerts.schemas import IngestResult, IntegrationIn
from warroom.clock import FrozenClock
from warroom.config import ConfigError, parse_config
from warroom.db import Database

# Alerts only (no incidents): the tests are about storing, not routing.
CONFIG = parse_config("alert_routing:\n  - name: quiet\n    severity: none\n")


def event(key: str, action: Action = "trigger") -> AlertEvent:
    return AlertEvent(
        source="generic", action=action, dedup_key=key, summary=f"{key} broke", severity="error"
    )


def integration(db: Database, clock: FrozenClock, name: str = "hooks") -> Sender:
    from warroom.context import Context

    created = integrations.create_integration(
        db,
        Context(config=CONFIG, actor="admin", now=clock.now()),
        IntegrationIn(name=name, kind="generic"),
        "",
    )
    assert created.key is not None
    found = integrations.find_integration(db, created.key)
    assert found is not None
    return found


def alerts(db: Database) -> dict[str, Alert]:
    with db.read() as session:
        return {a.dedup_key: a for a in session.scalars(select(Alert))}


def test_a_failing_delivery_fails_alone_and_stores_nothing(
    db: Database, clock: FrozenClock
) -> None:
    sender = integration(db, clock)
    # An alert without a summary breaks a NOT NULL column, after its delivery's receipt
    # and its first alert were written.
    broken = replace(event("bad-2"), summary=cast(str, None))
    outcomes = ingest_group(
        db,
        CONFIG,
        clock.now(),
        [
            Delivery(sender, [event("a1"), event("a2")]),
            Delivery(sender, [event("bad-1"), broken]),
            Delivery(sender, [event("a3")]),
        ],
    )
    first, failed, third = outcomes
    assert isinstance(first, IngestResult) and first.created == 2
    assert isinstance(failed, Exception)
    assert isinstance(third, IngestResult) and third.created == 1
    assert set(alerts(db)) == {"a1", "a2", "a3"}
    with db.read() as session:
        assert len(session.scalars(select(AlertDelivery)).all()) == 2


def test_a_group_applies_each_alerts_events_in_delivery_order(
    db: Database, clock: FrozenClock
) -> None:
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("a"), event("b")])
    outcomes = ingest_group(
        db,
        CONFIG,
        clock.now(),
        [
            Delivery(sender, [event("a"), event("b")]),
            Delivery(sender, [event("a", "resolve")]),
            Delivery(sender, [event("b")]),
        ],
    )
    assert [o.updated for o in outcomes if isinstance(o, IngestResult)] == [2, 0, 1]
    assert [o.resolved for o in outcomes if isinstance(o, IngestResult)] == [0, 1, 0]
    stored = alerts(db)
    assert stored["a"].status == "resolved"  # trigger, then resolve: resolved
    assert stored["a"].occurrences == 2
    assert stored["b"].status == "firing"
    assert stored["b"].occurrences == 3  # re-sent twice in one group: one UPDATE, +2

    # Resolve, then trigger in the same group: firing again.
    ingest_group(
        db,
        CONFIG,
        clock.now(),
        [Delivery(sender, [event("b", "resolve")]), Delivery(sender, [event("b")])],
    )
    again = alerts(db)["b"]
    assert (again.status, again.resolved_at, again.occurrences) == ("firing", None, 4)


def test_re_sends_of_another_integration_are_not_touched(db: Database, clock: FrozenClock) -> None:
    one, two = integration(db, clock, "one"), integration(db, clock, "two")
    ingest(db, CONFIG, clock.now(), one, [event("same")])
    outcome = ingest_group(db, CONFIG, clock.now(), [Delivery(two, [event("same")])])[0]
    assert isinstance(outcome, IngestResult)
    assert (outcome.created, outcome.updated) == (1, 0)
    with db.read() as session:
        counts = sorted(a.occurrences for a in session.scalars(select(Alert)))
    assert counts == [1, 1]


def test_deliveries_that_queue_behind_a_commit_share_the_next_one(
    tmp_path: Path, clock: FrozenClock
) -> None:
    # SQLite, whose write lock the test can hold to make the queue; PostgreSQL runs the
    # same writer (with more threads) in the HTTP test below.
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    migrations.upgrade(db)
    sender = integration(db, clock)
    groups: list[int] = []
    writer = IntakeWriter(
        db, lambda: (CONFIG, clock), on_commit=lambda size, _stored_by: groups.append(size)
    )

    async def main() -> list[IngestResult]:
        with db.write():  # the write lock is busy: the writer's first group waits for it
            stores = [
                asyncio.create_task(writer.store(Delivery(sender, [event(f"k{i}")])))
                for i in range(6)
            ]
            await asyncio.sleep(0.3)
            assert not any(task.done() for task in stores)  # no 2xx before it is stored
        return await asyncio.gather(*stores)

    try:
        results = asyncio.run(main())
    finally:
        writer.close()
    assert [r.created for r in results] == [1] * 6
    assert sum(groups) == 6
    assert max(groups) >= 5  # at most the first went alone
    assert len(alerts(db)) == 6
    db.dispose()


def test_concurrent_webhooks_over_http_count_every_occurrence(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    created = httpx.post(
        f"{api.url}/api/v1/integrations", json={"name": "load", "kind": "generic"}, headers=headers
    ).json()
    url = f"{api.url}/api/v1/integrations/{created['key']}/generic"
    body = {"title": "Queue backs up", "severity": "warning", "dedup_key": "queue"}

    async def send(client: httpx.AsyncClient) -> int:
        return (await client.post(url, json=body)).status_code

    async def main() -> list[int]:
        async with httpx.AsyncClient() as client:
            return await asyncio.gather(*(send(client) for _ in range(60)))

    accepted = (
        'warroom_http_requests_total{method="POST",'
        'route="/api/v1/integrations/{key}/generic",status="202"}'
    )
    stored = 'warroom_intake_group_deliveries_sum{{path="{}"}}'
    before = metric(api, accepted)
    before_full, before_resend = (
        metric(api, stored.format("full")),
        metric(api, stored.format("resend")),
    )
    assert asyncio.run(main()) == [202] * 60
    # Now firing: a re-send alone takes the fast path.
    assert httpx.post(url, json=body).status_code == 202
    with api.db.read() as session:
        alert = session.scalars(select(Alert).where(Alert.dedup_key == "queue")).one()
    assert alert.occurrences == 61
    # Counted by the intake's own path, under the route template, like any request.
    assert metric(api, accepted) == before + 61
    full = metric(api, stored.format("full")) - before_full
    resend = metric(api, stored.format("resend")) - before_resend
    assert full >= 1 and resend >= 1  # the first (a new alert) took the full path
    assert full + resend == 61


def metric(api: Api, name: str) -> float:
    """A sample's value on /metrics (0 if absent; the server lives for the session)."""
    for line in httpx.get(f"{api.url}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_sqlite_writers_queue_across_connections_and_refuse_nesting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    first, second = Database(url), Database(url)  # two files handles, as two processes
    order: list[str] = []
    holding = threading.Event()

    def hold() -> None:
        with first.write():
            holding.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait()
    with second.write():
        order.append("second began")
    thread.join()
    assert order == ["first done", "second began"]
    with first.write(), pytest.raises(RuntimeError, match="inside another"), first.write():
        pass
    first.dispose()
    second.dispose()


def test_deliveries_in_one_commit_group_into_one_incident(db: Database, clock: FrozenClock) -> None:
    # The event's "error" opens a SEV-2 incident (the default mapping).
    grouping = parse_config("alert_routing:\n  - name: by-alertname\n    group_by: [alertname]\n")
    sender = integration(db, clock)

    def disk(key: str, host: str) -> AlertEvent:
        return replace(event(key), labels={"alertname": "DiskFull", "host": host})

    outcomes = ingest_group(
        db,
        grouping,
        clock.now(),
        [Delivery(sender, [disk("d1", "db-1")]), Delivery(sender, [disk("d2", "db-2")])],
    )
    first, second = outcomes
    assert isinstance(first, IngestResult) and isinstance(second, IngestResult)
    # The second delivery, stored in the same transaction, finds the incident the first
    # opened, though nothing was committed in between.
    assert len(first.incidents_opened) == 1
    assert second.incidents_opened == []
    assert second.incidents_attached == first.incidents_opened
    stored = alerts(db)
    assert stored["d1"].incident_id is not None
    assert stored["d1"].incident_id == stored["d2"].incident_id


def test_old_delivery_receipts_are_pruned_in_batches(db: Database, clock: FrozenClock) -> None:
    sender = integration(db, clock)
    start = clock.now()
    for day in range(5):  # one delivery a day, days 0..4
        ingest(db, CONFIG, start + timedelta(days=day), sender, [event(f"d{day}")])
    keep_two_days = parse_config("alerts:\n  keep_deliveries: 2d\n")
    now = start + timedelta(days=4, hours=1)  # days 0, 1 and 2 are over two days old

    assert prune_deliveries(db, keep_two_days, now, limit=2) == 2  # the oldest two
    assert prune_deliveries(db, keep_two_days, now, limit=2) == 1
    assert prune_deliveries(db, keep_two_days, now, limit=2) == 0
    with db.read() as session:
        left = sorted(d.received_at for d in session.scalars(select(AlertDelivery)))
    assert left == [start + timedelta(days=3), start + timedelta(days=4)]
    assert len(alerts(db)) == 5  # the alerts themselves stay

    forever = parse_config("alerts:\n  keep_deliveries: 0s\n")
    assert prune_deliveries(db, forever, now + timedelta(days=365)) == 0
    # The default keeps 30 days.
    assert prune_deliveries(db, CONFIG, start + timedelta(days=33, hours=12)) == 1
    with pytest.raises(ConfigError, match=r"alerts\.keep_deliveries"):
        parse_config("alerts:\n  keep_deliveries: a while\n")
