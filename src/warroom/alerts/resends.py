"""Re-sent alerts, a group at a time: stored whole in one short transaction, or not at all.

Most intake traffic is senders repeating alerts that are still firing (Alertmanager re-sends
every group every few minutes; PagerDuty senders re-trigger). For a group made only of such
triggers (`service.plan_resends`), these store the deliveries' receipts and the re-sends
(last seen, occurrences, expiry) on a connection of their own, outside the ORM:

- PostgreSQL (`PostgreSQLResends`): one statement, its own transaction, run from the event
  loop with asyncpg. It locks the alerts in id order, and writes only if every one of them
  is firing. On the loop, a request's delivery reaches the database with no hand-over to a
  thread: with psycopg in writer threads, the hand-overs and the GIL passing between the
  loop and the threads cost more CPU than the statement (bench/README.md).
- SQLite (`SQLiteResends`, in the intake writer thread, which holds the write lock): BEGIN
  IMMEDIATE, one UPDATE per integration, one INSERT of the receipts, COMMIT; rolled back as
  soon as an UPDATE finds an alert not firing.

Either way the answer is "stored" or "nothing stored": then the caller takes the full path
(`service.ingest_group`), which creates, re-opens and groups alerts through the ORM, and
would store these re-sends alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson

from warroom.alerts.service import REFRESH_SQLITE, ResendPlan
from warroom.db import Database, UTCDateTime

# Seconds to open the connection: a database that does not answer fails the group over to
# the full path (and its own pool's errors) instead of holding every request.
CONNECT_TIMEOUT = 5.0

# The group comes as two JSON documents ($1 the re-sends, $2 the receipts), parsed by the
# server: one flat row per alert, so the planner takes json_to_recordset for 100 rows and
# looks each alert up by its unique index (rows nested per integration counted 100 x 100,
# and it scanned `alerts` instead). $3: how many alerts must be firing; $4: now.
_POSTGRESQL = """
WITH sent AS (
    SELECT * FROM json_to_recordset($1::json)
           AS r (scope text, dedup_key text, times integer, expires_at timestamptz)
), locked AS (
    SELECT a.id, sent.times, sent.expires_at
      FROM sent JOIN alerts AS a ON a.scope = sent.scope AND a.dedup_key = sent.dedup_key
     WHERE a.status = 'firing'
     ORDER BY a.id
       FOR UPDATE OF a
), whole AS (
    SELECT count(*) = $3 AS firing FROM locked
), refreshed AS (
    UPDATE alerts
       SET last_seen_at = $4, occurrences = alerts.occurrences + locked.times,
           expires_at = locked.expires_at
      FROM locked, whole
     WHERE whole.firing AND alerts.id = locked.id
), received AS (
    INSERT INTO alert_deliveries
           (integration_id, source, received_at, alerts, truncated_alerts, group_key)
    SELECT r.integration_id, r.source, $4, r.alerts, r.truncated_alerts, r.group_key
      FROM json_to_recordset($2::json) AS r (
               integration_id bigint, source text, alerts integer, truncated_alerts integer,
               group_key text),
           whole
     WHERE whole.firing
)
SELECT firing FROM whole
"""


class PostgreSQLResends:
    """The re-send store of one event loop: one asyncpg connection, opened when first
    needed and again after it broke (a server restart, an idle timeout, an admin)."""

    def __init__(self, db: Database) -> None:
        self.dsn = db.driver_url()
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
            self._conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
        return bool(await self._conn.fetchval(_POSTGRESQL, *params))

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


def _postgresql_params(plan: ResendPlan) -> tuple[str, str, int, Any] | None:
    """The statement's parameters; None when a key is planned twice (one integration's
    alerts re-sent with two expiries in one group), which one UPDATE cannot apply: rare,
    left to the full path."""
    sent = [
        {"scope": r.scope, "dedup_key": key, "times": times, "expires_at": r.expires}
        for r in plan.refreshes
        for key, times in r.times.items()
    ]
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
