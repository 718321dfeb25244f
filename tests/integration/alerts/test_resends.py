"""The re-send fast path (`alerts.intake.resends`): a group of re-sent firing alerts is stored whole
on a connection of its own, or nothing is and the full path takes it, on both backends
(PostgreSQL's from the event loop, SQLite's from the writer thread)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

import asyncpg
import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.integration.alerts.test_intake_groups import CONFIG, alerts, event, integration
from warroom.alerts.expired import resolve_expired
from warroom.alerts.intake.ingest import ingest
from warroom.alerts.intake.plan import Delivery, Refresh, ResendPlan, plan_resends
from warroom.alerts.intake.resends import PostgreSQLResends, SQLiteResends
from warroom.alerts.intake.writer import IntakeWriter, StoredBy
from warroom.alerts.integrations import Sender
from warroom.alerts.models import Alert, AlertDelivery
from warroom.alerts.schemas import IngestResult
from warroom.clock import FrozenClock
from warroom.db import Database

RESOLVE_TIMEOUT = timedelta(minutes=5)  # Alertmanager's default, warroom's too


def receipts(db: Database) -> list[tuple[int, int | None]]:
    with db.read() as session:
        rows = session.execute(
            select(AlertDelivery.alerts, AlertDelivery.integration_id).order_by(AlertDelivery.id)
        )
        return [(n, integration_id) for n, integration_id in rows]


def occurrences(db: Database) -> dict[str, int]:
    return {key: alert.occurrences for key, alert in alerts(db).items()}


def resend(db: Database, now: datetime, deliveries: list[Delivery]) -> tuple[ResendPlan, bool]:
    """Plan the group and store it once on a fresh store; the plan and whether it stored."""
    plan = plan_resends(CONFIG, now, deliveries)
    assert plan is not None
    if db.dialect == "postgresql":
        return plan, asyncio.run(store_on_postgresql(db, plan))
    store = SQLiteResends(db)
    try:
        return plan, store.store(plan)
    finally:
        store.close()


def plan_of(sender: Sender, clock: FrozenClock) -> ResendPlan:
    """The plan of one re-send of alert "a"."""
    found = plan_resends(CONFIG, clock.now(), [Delivery(sender, [event("a")])])
    assert found is not None
    return found


def recording_writer(
    db: Database, clock: FrozenClock
) -> tuple[IntakeWriter, list[tuple[int, StoredBy]]]:
    """A writer on the test's clock, and the (size, path) of each group it stores."""
    groups: list[tuple[int, StoredBy]] = []
    writer = IntakeWriter(
        db, lambda: (CONFIG, clock), on_commit=lambda size, by: groups.append((size, by))
    )
    return writer, groups


async def store_on_postgresql(db: Database, plan: ResendPlan) -> bool:
    store = PostgreSQLResends(db)
    try:
        return await store.store(plan)
    finally:
        await store.close()


def test_a_group_of_re_sends_is_stored_whole(db: Database, clock: FrozenClock) -> None:
    one, two = integration(db, clock, "one"), integration(db, clock, "two")
    ingest(db, CONFIG, clock.now(), one, [event("a"), event("b")])
    ingest(db, CONFIG, clock.now(), two, [event("a")])
    before = len(receipts(db))
    later = clock.now() + timedelta(seconds=90)
    deliveries = [
        Delivery(one, [event("a"), event("b")]),
        Delivery(one, [event("a")]),
        Delivery(two, [event("a")]),
    ]
    plan, stored_whole = resend(db, later, deliveries)
    assert stored_whole is True

    assert [r.updated for r in plan.results] == [2, 1, 1]
    with db.read() as session:
        stored = {(a.scope, a.dedup_key): a for a in session.scalars(select(Alert)).all()}
    assert stored[(one.scope, "a")].occurrences == 3
    assert stored[(one.scope, "b")].occurrences == 2
    assert stored[(two.scope, "a")].occurrences == 2
    for alert in stored.values():
        # Written as the ORM writes them: read back aware and equal.
        assert alert.last_seen_at == later
        assert alert.expires_at == later + RESOLVE_TIMEOUT
    assert receipts(db)[before:] == [
        (2, one.integration_id),
        (1, one.integration_id),
        (1, two.integration_id),
    ]
    # The expiry is comparable in SQL too: the sweep resolves them when it passes.
    swept = resolve_expired(db, CONFIG, later + RESOLVE_TIMEOUT + timedelta(seconds=1))
    assert swept == 3


@pytest.mark.parametrize("state", ["resolved", "unknown"])
def test_nothing_is_stored_when_one_alert_is_not_firing(
    db: Database, clock: FrozenClock, state: str
) -> None:
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("a"), event("b")])
    if state == "resolved":
        ingest(db, CONFIG, clock.now(), sender, [event("b", "resolve")])
    other = "b" if state == "resolved" else "never-seen"
    before_counts, before_receipts = occurrences(db), receipts(db)
    _, stored_whole = resend(
        db, clock.now(), [Delivery(sender, [event("a")]), Delivery(sender, [event(other)])]
    )
    assert stored_whole is False
    assert occurrences(db) == before_counts
    assert receipts(db) == before_receipts


def test_only_groups_of_triggers_are_planned(clock: FrozenClock) -> None:
    sender = Sender(scope="integration:1", name="hooks", integration_id=1)
    resends = [Delivery(sender, [event("a")]), Delivery(sender, [event("b")])]
    assert plan_resends(CONFIG, clock.now(), resends) is not None
    mixed = [*resends, Delivery(sender, [event("a", "resolve")])]
    assert plan_resends(CONFIG, clock.now(), mixed) is None
    acknowledged = [Delivery(sender, [event("a", "acknowledge")])]
    assert plan_resends(CONFIG, clock.now(), acknowledged) is None


def test_the_writer_takes_the_full_path_when_the_fast_one_declines(
    db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("known")])
    writer, groups = recording_writer(db, clock)

    async def main() -> list[IngestResult]:
        writer.serve_on_loop()  # as the app's lifespan does
        try:
            return [
                # All firing: the fast path.
                await writer.store(Delivery(sender, [event("known")])),
                # A new alert among re-sends: declined, then created by the full path.
                await writer.store(Delivery(sender, [event("known"), event("new")])),
                # One key with two expiries in one group (a re-sending source and one
                # that is not): PostgreSQL's one statement declines it, SQLite applies both.
                await writer.store(
                    Delivery(sender, [event("known"), replace(event("known"), source="pagerduty")])
                ),
            ]
        finally:
            await writer.aclose()

    first, second, third = asyncio.run(main())
    assert (first.created, first.updated) == (0, 1)
    assert (second.created, second.updated) == (1, 1)
    assert (third.created, third.updated) == (0, 2)
    assert occurrences(db) == {"known": 5, "new": 1}
    two_expiries = "full" if db.dialect == "postgresql" else "resend"
    assert groups == [(1, "resend"), (1, "full"), (1, two_expiries)]
    # Declining is routine (a new alert), not a failure: nothing to warn about.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_re_sends_from_a_loop_the_writer_does_not_serve_take_the_threads(
    db: Database, clock: FrozenClock
) -> None:
    # PostgreSQL's fast path belongs to the loop of `serve_on_loop`; from any other loop
    # (an app used without its lifespan) re-sends are stored all the same, by the full path.
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("known")])
    writer, groups = recording_writer(db, clock)
    try:
        result = asyncio.run(writer.store(Delivery(sender, [event("known")])))
    finally:
        writer.close()
    assert (result.created, result.updated) == (0, 1)
    assert occurrences(db) == {"known": 2}
    assert groups == [(1, "full" if db.dialect == "postgresql" else "resend")]


@pytest.mark.postgres
def test_deliveries_that_arrive_during_a_statement_share_the_next_one(
    postgres_db: Database, clock: FrozenClock
) -> None:
    db = postgres_db
    sender = integration(db, clock)
    keys = [f"k{i}" for i in range(6)]
    ingest(db, CONFIG, clock.now(), sender, [event(key) for key in keys])
    writer, groups = recording_writer(db, clock)

    async def main() -> list[IngestResult]:
        writer.serve_on_loop()
        try:
            # Another transaction holds k0: the first statement waits for it, the rest queue.
            with db.write() as session:
                session.execute(
                    select(Alert.id).where(Alert.dedup_key == "k0").with_for_update()
                ).all()
                first = asyncio.create_task(writer.store(Delivery(sender, [event("k0")])))
                await asyncio.sleep(0.2)
                rest = [
                    asyncio.create_task(writer.store(Delivery(sender, [event(key)])))
                    for key in keys[1:]
                ]
                await asyncio.sleep(0.2)
                assert not first.done()  # no 2xx before it is stored
                assert not any(task.done() for task in rest)
            return await asyncio.gather(first, *rest)
        finally:
            await writer.aclose()

    results = asyncio.run(main())
    assert [r.updated for r in results] == [1] * 6
    assert groups == [(1, "resend"), (5, "resend")]
    assert occurrences(db) == dict.fromkeys(keys, 2)


@pytest.mark.postgres
def test_a_failing_fast_path_leaves_the_group_to_the_full_path(
    postgres_db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = postgres_db
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("a")])
    writer, groups = recording_writer(db, clock)

    async def main() -> list[IngestResult]:
        writer.serve_on_loop()
        try:
            # Its connection cannot be opened (nothing listens on port 1); the pool's can.
            on_loop = writer._on_loop
            assert on_loop is not None
            on_loop.resends.dsn = "postgresql://postgres@127.0.0.1:1/postgres"
            first = await writer.store(Delivery(sender, [event("a")]))
            # Resting: the next group goes straight to the full path, without a warning.
            second = await writer.store(Delivery(sender, [event("a")]))
            # Once the rest is over, it is tried again (and fails again).
            on_loop._resting_until = 0.0
            third = await writer.store(Delivery(sender, [event("a")]))
            return [first, second, third]
        finally:
            await writer.aclose()

    results = asyncio.run(main())
    assert [(r.created, r.updated) for r in results] == [(0, 1)] * 3
    assert groups == [(1, "full")] * 3
    warnings = [r for r in caplog.records if "re-send fast path failed" in r.getMessage()]
    assert len(warnings) == 2
    assert occurrences(db) == {"a": 4}


@pytest.mark.postgres
def test_a_broken_postgresql_connection_is_opened_again(
    postgres_db: Database, clock: FrozenClock
) -> None:
    db = postgres_db
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("a")])

    async def main() -> None:
        store = PostgreSQLResends(db)
        try:
            assert await store.store(plan_of(sender, clock))
            # The server ends the store's session (a restart, an idle timeout, an admin).
            assert store.connection is not None
            pid = store.connection.get_server_pid()
            with db.write() as session:
                assert session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
                await store.store(plan_of(sender, clock))
            assert await store.store(plan_of(sender, clock))  # a new connection
        finally:
            await store.close()

    asyncio.run(main())
    assert occurrences(db) == {"a": 3}
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 3


def test_a_refresh_goes_in_chunks_of_at_most_a_thousand_keys() -> None:
    times = {f"k{i}": 1 + i % 3 for i in range(2500)}
    chunks = list(Refresh("integration:1", None, times).chunks())
    assert [len(keys) for keys, _ in chunks] == [1000, 1000, 500]
    for keys, sent in chunks:
        assert orjson.loads(sent) == {key: times[key] for key in keys}
    (keys, sent), *_ = Refresh("integration:1", None, {"a": 2}).chunks()
    assert (keys, orjson.loads(sent)) == (["a"], {"a": 2})


@pytest.mark.postgres
def test_libpq_options_of_the_database_url_do_not_stop_the_fast_path(
    postgres_db: Database, clock: FrozenClock
) -> None:
    # asyncpg would send options it does not know to the server as settings (refused).
    url = f"{postgres_db.url}?connect_timeout=3&keepalives=1&application_name=warroom-test"
    db = Database(url)
    try:
        sender = integration(db, clock)
        ingest(db, CONFIG, clock.now(), sender, [event("a")])
        store = PostgreSQLResends(db)
        assert store.timeout == 3.0
        assert "keepalives" not in store.dsn and "connect_timeout" not in store.dsn

        async def main() -> tuple[bool, str | None]:
            try:
                stored = await store.store(plan_of(sender, clock))
                assert store.connection is not None
                name = await store.connection.fetchval("SHOW application_name")
                return stored, name
            finally:
                await store.close()

        assert asyncio.run(main()) == (True, "warroom-test")
        assert occurrences(db) == {"a": 2}
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_deadlocked_statement_declines_quietly(
    postgres_db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = postgres_db
    sender = integration(db, clock)
    ingest(db, CONFIG, clock.now(), sender, [event("a"), event("b")])
    found = plan_resends(CONFIG, clock.now(), [Delivery(sender, [event("a"), event("b")])])
    assert found is not None
    plan: ResendPlan = found

    def lock(session: Session, key: str) -> None:
        query = select(Alert.id).where(Alert.dedup_key == key).with_for_update()
        session.execute(query).all()

    async def main() -> bool:
        store = PostgreSQLResends(db)
        try:
            with db.write() as session:
                lock(session, "b")
                # The statement locks "a" (keys in order), then waits for "b".
                statement = asyncio.create_task(store.store(plan))
                await asyncio.sleep(0.3)
                # This transaction now waits for "a": a cycle, which PostgreSQL breaks by
                # failing the statement (it has waited longer, deadlock_timeout first).
                await asyncio.to_thread(lock, session, "a")
                return await statement
        finally:
            await store.close()

    with caplog.at_level(logging.INFO, logger="warroom.intake"):
        assert asyncio.run(main()) is False
    assert "deadlock detected" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert occurrences(db) == {"a": 1, "b": 1}
