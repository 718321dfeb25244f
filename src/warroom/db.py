"""Database access: one declarative base, and sessions that mean "read" or "write".

SQLite has one writer at a time. A write transaction takes `SQLiteWriteLock` (a thread
lock, then `flock` on a file beside the database) before `BEGIN IMMEDIATE`, so writers of
every thread and process queue in the kernel and wake the moment the lock is free, rather
than in SQLite's busy handler, which polls with sleeps of up to 100 ms. PostgreSQL services
lock the rows they change (`SELECT ... FOR UPDATE`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Select,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no time zones; store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name != "postgresql" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def upsert_insert(session: Session) -> Any:
    """The dialect's INSERT, which has `on_conflict_do_nothing/do_update` on both
    PostgreSQL and SQLite (the generic one has neither)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def sqlite_path(url: str) -> Path | None:
    """The file of a file-based SQLite URL (None for an in-memory database)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix) :].split("?", 1)[0]).expanduser()
    return None


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a file-based SQLite URL, so a first run just works."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


class SQLiteWriteLock:
    """One SQLite writer at a time, across the threads of this process (a lock) and across
    processes (`flock` on `<database>-writer`). Not re-entrant: a write transaction opened
    inside another on the same thread would wait for itself, so it raises instead."""

    def __init__(self, path: Path | None) -> None:
        self._path = path.with_name(path.name + "-writer") if path is not None else None
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._fd: int | None = None

    def __enter__(self) -> None:
        if self._owner == threading.get_ident():
            raise RuntimeError("a SQLite write transaction was opened inside another one")
        self._lock.acquire()
        try:
            if self._path is not None:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._lock.release()
            raise
        self._owner = threading.get_ident()

    def __exit__(self, *_: object) -> None:
        self._owner = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class Database:
    """Engines and session factories for one database URL."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        if url.startswith("sqlite"):
            ensure_sqlite_dir(url)
            self.engine = _sqlite_engine(url, "BEGIN")
            self._write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
            self._writer: SQLiteWriteLock | None = SQLiteWriteLock(sqlite_path(url))
        else:
            # hide_parameters: a failed statement's message (logged with a 500) would
            # otherwise carry its values, key hashes and alert payloads among them.
            self.engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_pre_ping=True,
                hide_parameters=True,
            )
            self._write_engine = self.engine
            self._writer = None
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def concurrent_writers(self) -> bool:
        """Whether several transactions can write at once (PostgreSQL) or writers take
        turns (SQLite): how many intake writer threads help, whether workers run apart."""
        return self._writer is None

    def skip_locked(self, query: Select[Any]) -> Select[Any]:
        """`query` locking its rows and skipping rows another transaction holds, so that
        concurrent workers claim different ones. SQLite's writers take turns, so the
        plain query is already alone."""
        return query.with_for_update(skip_locked=True) if self.concurrent_writers else query

    def serialize(self, session: Session, key: int) -> None:
        """Let one transaction at a time past this point, until it ends (PostgreSQL's
        transaction advisory lock on `key`); SQLite's writers already take turns."""
        if self.concurrent_writers:
            session.execute(select(func.pg_advisory_xact_lock(key)))

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls everything back on any error."""
        with self.write_lock(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Writers' turn: the SQLite write lock, held until the caller's transaction ends
        (`write()` takes it; so does a transaction on `own_connection`); nothing on
        PostgreSQL."""
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    def own_connection(self) -> sqlite3.Connection:
        """A SQLite connection outside the pool, for the intake writer thread, which keeps
        it for its life and closes it: its statements are few and hot enough that the
        session machinery around them costs more than they do. Set up as the pool's are;
        it issues no BEGIN of its own."""
        if self.dialect != "sqlite":
            raise ValueError("own_connection is for SQLite; PostgreSQL intake uses asyncpg")
        pooled = self._write_engine.raw_connection()
        driver: sqlite3.Connection = pooled.driver_connection  # type: ignore[assignment]
        pooled.detach()  # the pool forgets it; closing it is the caller's
        return driver

    def driver_url(self, *, without: Iterable[str] = ()) -> str:
        """The URL without SQLAlchemy's driver name (as libpq and asyncpg take it), and
        without the query options named in `without`."""
        url, dropped = make_url(self.url), set(without)
        query = {k: v for k, v in url.query.items() if k not in dropped}
        plain = url.set(drivername=url.get_backend_name(), query=query)
        return plain.render_as_string(hide_password=False)

    def dispose(self) -> None:
        self.engine.dispose()
        self._write_engine.dispose()
        if self._writer is not None:
            self._writer.close()
