"""Re-sent alerts, a group at a time: stored whole in one short transaction, or not at all.

Most intake traffic is senders repeating alerts that are still firing (Alertmanager re-sends
every group every few minutes; PagerDuty senders re-trigger). For a group made only of such
triggers (`plan.plan_resends`), these store the deliveries' receipts and the re-sends
(last seen, occurrences, expiry) on a connection of their own, outside the ORM:

- PostgreSQL (`PostgreSQLResends`): one statement, its own transaction, run from the event
  loop with asyncpg. It locks the alerts in (scope, key) order, and writes only if every
  one of them is firing. On the loop, a request's delivery reaches the database with no
  hand-over to a thread: with psycopg in writer threads, the hand-overs and the GIL
  passing between the loop and the threads cost more CPU than the statement
  (bench/README.md).
- SQLite (`SQLiteResends`, in the intake writer thread, which holds the write lock): BEGIN
  IMMEDIATE, one UPDATE per integration, one INSERT of the receipts, COMMIT; rolled back as
  soon as an UPDATE finds an alert not firing.

Either way the answer is "stored" or "nothing stored": then the caller takes the full path
(`ingest.ingest_group`), which creates, re-opens and groups alerts through the ORM, and
would store these re-sends alike.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from warroom.alerts.intake.plan import ResendPlan
from warroom.alerts.intake.refresh import REFRESH_SQLITE
from warroom.db import Database, UTCDateTime

log = logging.getLogger("warroom.intake")

# Seconds to open the connection (unless the URL's connect_timeout says): a database that
# does not answer fails the group over to the full path (and its own pool's errors)
# instead of holding every request.
CONNECT_TIMEOUT = 5.0
# libpq options of the database URL that asyncpg does not know: it would send them to the
# server as settings, which refuses them. They tune the connection, not what it does.
_LIBPQ_ONLY = frozenset(
    {
        "channel_binding",
        "connect_timeout",
        "fallback_application_name",
        "gssencmode",
        "hostaddr",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "replication",
        "requirepeer",
        "requiressl",
        "sslcompression",
        "sslcrldir",
        "sslsni",
        "tcp_user_timeout",
    }
)

# SQLSTATE of warroom_decline_resends() (migration 0009): some alert was not firing.
DECLINED = "WR001"
# deadlock_detected, serialization_failure: a concurrent group, not a broken fast path.
_CONFLICTS = frozenset({"40P01", "40001"})

# The group comes as two JSON documents ($1 the re-sends, $2 the receipts), parsed by the
# server: one flat row per alert, so the planner takes json_to_recordset for 100 rows and
# looks each alert up by its unique index (rows nested per integration counted 100 x 100,
# and it scanned `alerts` instead). $3: how many alerts must be firing; $4: now.
#
# No locking pass: the UPDATE locks each row as it visits it, in the order of the re-sends
# (sorted by scope and key, a nested loop over them), and when fewer than $3 rows were
# firing the final SELECT raises, which undoes the statement whole. A pass of SELECT …
# FOR UPDATE first wrote a WAL record per locked row: 15 % of the statement.
_POSTGRESQL = """
WITH sent AS (
    SELECT * FROM json_to_recordset($1::json)
           AS r (scope text, dedup_key text, times integer, expires_at timestamptz)
), refreshed AS (
    UPDATE alerts AS a
       SET last_seen_at = $4, occurrences = a.occurrences + sent.times,
           expires_at = sent.expires_at
      FROM sent
     WHERE a.scope = sent.scope AND a.dedup_key = sent.dedup_key AND a.status = 'firing'
    RETURNING a.id
), received AS (
    INSERT INTO alert_deliveries
           (integration_id, source, received_at, alerts, truncated_alerts, group_key)
    SELECT r.integration_id, r.source, $4, r.alerts, r.truncated_alerts, r.group_key
      FROM json_to_recordset($2::json) AS r (
               integration_id bigint, source text, alerts integer, truncated_alerts integer,
               group_key text)
)
SELECT CASE WHEN count(*) = $3 THEN true ELSE warroom_decline_resends($3, count(*)) END
  FROM refreshed
"""


class PostgreSQLResends:
    """The re-send store of one event loop: one asyncpg connection, opened when first
    needed and again after it broke (a server restart, an idle timeout, an admin)."""

    def __init__(self, db: Database) -> None:
        self.dsn = db.driver_url(without=_LIBPQ_ONLY)
        self.timeout = _connect_timeout(db.url)
        self._conn: asyncpg.Connection | None = None

    @property
    def connection(self) -> asyncpg.Connection | None:
        """The connection in use, if one is open."""
        return self._conn

    async def store(self, plan: ResendPlan) -> bool:
        """True once the whole group is committed; False (or an error) when nothing was
        stored."""
        params = _postgresql_params(plan)
        if params is None:
            return False
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=self.timeout)
        try:
            return bool(await self._conn.fetchval(_POSTGRESQL, *params))
        except asyncpg.PostgresError as exc:
            if exc.sqlstate == DECLINED:
                return False
            if exc.sqlstate in _CONFLICTS:  # undone whole; the full path retries such
                log.info("re-send statement: %s; taking the full path", exc)
                return False
            raise

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


def _connect_timeout(url: str) -> float:
    """The URL's connect_timeout, as libpq reads it (whole seconds; 0 or less: none, which
    here means the default rather than waiting forever)."""
    given = make_url(url).query.get("connect_timeout")
    try:
        seconds = int(given) if isinstance(given, str) else 0
    except ValueError:  # libpq refuses it too, and the pool says so first
        seconds = 0
    return float(seconds) if seconds > 0 else CONNECT_TIMEOUT


def _postgresql_params(plan: ResendPlan) -> tuple[str, str, int, Any] | None:
    """The statement's parameters; None when a key is planned twice (one integration's
    alerts re-sent with two expiries in one group), which one UPDATE cannot apply: rare,
    left to the full path."""
    sent = [
        {"scope": r.scope, "dedup_key": key, "times": times, "expires_at": r.expires}
        for r in plan.refreshes
        for key, times in r.times.items()
    ]
    sent.sort(key=lambda row: (row["scope"], row["dedup_key"]))  # the order rows lock in
    several = len({r.scope for r in plan.refreshes}) < len(plan.refreshes)
    if several and len({(row["scope"], row["dedup_key"]) for row in sent}) < len(sent):
        return None
    receipts = orjson.dumps(plan.receipts).decode()  # received_at: $4, the same now
    return orjson.dumps(sent).decode(), receipts, len(sent), plan.now


_SQLITE_RECEIPT = """
INSERT INTO alert_deliveries
       (integration_id, source, received_at, alerts, truncated_alerts, group_key)
VALUES (:integration_id, :source, :received_at, :alerts, :truncated_alerts, :group_key)
"""


class SQLiteResends:
    """The re-send store of the SQLite intake writer thread (not to be shared)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None
        # Datetimes as the ORM stores them (naive UTC text), so both paths write alike.
        processor = UTCDateTime().bind_processor(db.engine.dialect)
        assert processor is not None
        self._when: Callable[[Any], Any] = processor

    def store(self, plan: ResendPlan) -> bool:
        """True once the whole group is committed; False when nothing was stored."""
        if self._conn is None:
            self._conn = self.db.own_connection()
        conn = self._conn
        now = self._when(plan.now)
        with self.db.write_lock():
            conn.execute("BEGIN IMMEDIATE")
            try:
                for refresh in plan.refreshes:
                    expires = self._when(refresh.expires)
                    scope = refresh.scope
                    for chunk, sent in refresh.chunks():
                        params = {"scope": scope, "now": now, "expires": expires, "sent": sent}
                        if conn.execute(REFRESH_SQLITE, params).rowcount != len(chunk):
                            conn.execute("ROLLBACK")
                            return False
                if plan.receipts:
                    rows = [{**r, "received_at": now} for r in plan.receipts]
                    conn.executemany(_SQLITE_RECEIPT, rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
