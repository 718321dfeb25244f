"""Fixtures shared by every test: real databases (SQLite and PostgreSQL) and a real server.

Every test that takes `db` (or anything built on it) runs once per backend. PostgreSQL
tests use a throwaway database on the local server; when the server is unreachable they
are skipped with a reason, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
import uvicorn
from hypothesis import settings
from sqlalchemy import create_engine, text

from warroom import migrations
from warroom.app import create_app
from warroom.auth import service as auth
from warroom.clock import FrozenClock
from warroom.config import Config
from warroom.db import Base, Database
from warroom.workers import ack_links

# No per-example deadline: on a loaded 2-core machine an example that takes 20 ms alone
# can take 300 ms, and a property's truth does not depend on its speed.
settings.register_profile("warroom", deadline=None)
settings.load_profile("warroom")

# Every process of an installation signs ack links with this key (auth/links.py); the
# in-process apps and workers of the tests are one installation.
os.environ.setdefault("WARROOM_SECRET_KEY", "test-signing-key-" + "x" * 32)

PG_SERVER = os.environ.get("WARROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)  # a Saturday, the runbook's example day


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
    pytest.skip(f"{reason}; PostgreSQL tests skipped")


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the local PostgreSQL server (its URL), dropped after;
    skipped (or failed, under CI) when the server is unreachable."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            _unavailable(f"PostgreSQL not reachable at {PG_SERVER}: {type(exc).__name__}")
        try:
            yield f"{PG_SERVER}/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped at the end of the run."""
    with throwaway_database("warroom_test") as url:
        yield url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def migrated_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'warroom.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    migrations.upgrade(database)
    yield database
    database.dispose()


def _empty(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.write() as session:
        if database.dialect == "postgresql":
            session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                session.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def db(migrated_db: Database) -> Database:
    """The backend's database, emptied before the test."""
    _empty(migrated_db)
    return migrated_db


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[Database]:
    """The PostgreSQL database alone, migrated and emptied: for what only it has."""
    database = Database(postgres_url)
    migrations.upgrade(database)
    _empty(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    app_state: object

    def use(self, *, config: Config, clock: FrozenClock) -> None:
        self.app_state.config = config  # type: ignore[attr-defined]
        self.app_state.clock = clock  # type: ignore[attr-defined]
        self.app_state.ack_links = ack_links(  # type: ignore[attr-defined]
            self.app_state.db,  # type: ignore[attr-defined]
            clock,
            public_url=self.url,
        )


@pytest.fixture(scope="session")
def live_server(migrated_db: Database) -> Iterator[LiveServer]:
    """warroom over real HTTP on loopback, one per backend."""
    app = create_app(migrated_db, Config(), FrozenClock(START))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(f"http://127.0.0.1:{port}", server, app.state)
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Api:
    """An HTTP client per role against the live server."""

    url: str
    tokens: dict[str, str]
    clock: FrozenClock
    db: Database
    server: LiveServer

    def client(self, role: str = "admin") -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=30
        )

    def configure(self, config: Config) -> None:
        self.server.use(config=config, clock=self.clock)


@pytest.fixture
def api(db: Database, live_server: LiveServer, clock: FrozenClock) -> Iterator[Api]:
    live_server.use(config=Config(), clock=clock)
    tokens = {}
    with db.write() as session:
        for role, name in (("admin", "admin"), ("responder", "alice"), ("viewer", "victor")):
            tokens[role] = auth.create_token(session, name=name, role=role, now=clock.now())
    yield Api(live_server.url, tokens, clock, db, live_server)
    live_server.use(config=Config(), clock=FrozenClock(START))


@pytest.fixture
def http(api: Api) -> Iterator[httpx.Client]:
    """An admin client."""
    with api.client("admin") as client:
        yield client


FIXTURES = Path(__file__).parent / "fixtures"
