"""The migrations, on fresh databases of both backends: they build what the models
describe, every one of them can be undone, PostgreSQL compares alert keys by bytes, and
the alerts attached before the tallies are counted into them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.conftest import START, throwaway_database
from tests.integration.alerts.test_tally import declared, stored_alerts, storm
from warroom import migrations
from warroom.alerts import tally
from warroom.alerts.titles import AlertText, group_title
from warroom.clock import FrozenClock
from warroom.db import Base, Database

KEYS = ("scope", "dedup_key", "group_key")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A database of its own, with no schema: for tests that migrate it up and down."""
    if request.param == "postgresql":
        yield request.getfixturevalue("empty_postgres_db")
        return
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'm.db'}")
    yield database
    database.dispose()


@pytest.fixture
def empty_postgres_db(postgres_url: str) -> Iterator[Database]:
    """A PostgreSQL database of its own, with no schema (`postgres_url` skips, or fails
    under CI, without a server)."""
    with throwaway_database("warroom_migrations") as url:
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()


def drift(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def key_collations(db: Database) -> dict[str, str | None]:
    """The alert key columns' own collations (None: the database's)."""
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT column_name, collation_name FROM information_schema.columns"
                " WHERE table_name = 'alerts' AND column_name IN ('scope', 'dedup_key',"
                " 'group_key')"
            )
        )
        return {str(name): collation for name, collation in rows}


def test_the_migrations_build_what_the_models_describe(empty_db: Database) -> None:
    migrations.upgrade(empty_db)
    assert migrations.is_current(empty_db)
    assert drift(empty_db) == []


def test_every_migration_can_be_undone_and_done_again(empty_db: Database) -> None:
    migrations.upgrade(empty_db)
    migrations.downgrade(empty_db, "base")
    assert migrations.current(empty_db.engine) is None
    assert set(inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(empty_db)
    assert drift(empty_db) == []


@pytest.mark.postgres
def test_alert_keys_compare_bytes_on_postgresql(empty_postgres_db: Database) -> None:
    # SQLite compares bytes (BINARY) without being told.
    empty_db = empty_postgres_db
    migrations.upgrade(empty_db, "0007")
    assert key_collations(empty_db) == dict.fromkeys(KEYS)  # the database's own
    migrations.upgrade(empty_db)
    assert key_collations(empty_db) == dict.fromkeys(KEYS, "C")
    # The unique probe a delivery makes uses the index with the new collation.
    with empty_db.read() as session:
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN SELECT id FROM alerts WHERE scope = :scope AND dedup_key = :key"
                ).bindparams(scope="integration:1", key="k")
            )
        )
    assert "uq_alerts_scope_dedup_key" in plan
    migrations.downgrade(empty_db, "0007")
    assert key_collations(empty_db) == dict.fromkeys(KEYS)


def test_the_alerts_attached_before_0016_are_tallied_by_it(empty_db: Database) -> None:
    clock = FrozenClock(START)
    migrations.upgrade(empty_db)
    storms = {declared(empty_db, clock): storm(7, cluster="c"), declared(empty_db, clock): []}
    storms[declared(empty_db, clock)] = [*storm(2), AlertText("y" * 600, {"host": "z" * 700})]
    for incident, alerts in storms.items():
        stored_alerts(empty_db, clock, incident, alerts, firing=1)
    migrations.downgrade(empty_db, "0015")
    migrations.upgrade(empty_db)

    with empty_db.read() as session:
        for incident, alerts in storms.items():
            expected = group_title(alerts) if alerts else None
            assert tally.title_of(session, incident) == expected
            summary = tally.summary_of(session, incident)
            assert summary.alerts == len(alerts)
            assert {c.name: c.values for c in summary.labels} == (
                {
                    "alertname": 1,
                    "host": len(alerts),
                    **({"cluster": 1} if len(alerts) == 7 else {}),
                }
                if alerts
                else {}
            )
