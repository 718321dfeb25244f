"""Re-sent alerts, a group at a time: stored whole in one short transaction, or not at all.

Most intake traffic is senders repeating alerts that are still firing (Alertmanager re-sends
every group every few minutes; PagerDuty senders re-trigger). For a group made only of such
triggers (`service.plan_resends`), an intake writer thread stores the deliveries' receipts
and the re-sends (last seen, occurrences, expiry) on a connection it keeps for its life:

- PostgreSQL: one statement, its own transaction, so one round trip. It locks the alerts in
  id order, and writes only if every one of them is firing.
- SQLite: BEGIN IMMEDIATE, one UPDATE per integration, one INSERT of the receipts, COMMIT;
  rolled back as soon as an UPDATE finds an alert not firing.

Either way the answer is "stored" or "nothing stored": then the caller takes the full path
(`service.ingest_group`), which creates, re-opens and groups alerts through the ORM, and
would store these re-sends alike. This does the same writes without the session, pool and
unit of work, which cost more than the statements themselves on this path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Protocol

import orjson
import psycopg

from warroom.alerts.service import REFRESH_SQLITE, ResendPlan
from warroom.db import Database, UTCDateTime

# The group comes as two JSON documents, parsed by the server: psycopg adapts a Python list
# to an array parameter element by element in Python, which cost more than the statement.
# One flat row per alert: the planner takes json_to_recordset for 100 rows and looks each
# alert up by its unique index (rows nested per integration counted 100 x 100, and it
# scanned `alerts` instead).
_POSTGRESQL = """
WITH sent AS (
    SELECT * FROM json_to_recordset(%(sent)s::json)
           AS r (scope text, dedup_key text, times integer, expires_at timestamptz)
), locked AS (
    SELECT a.id, sent.times, sent.expires_at
      FROM sent JOIN alerts AS a ON a.scope = sent.scope AND a.dedup_key = sent.dedup_key
     WHERE a.status = 'firing'
     ORDER BY a.id
       FOR UPDATE OF a
), whole AS (
    SELECT count(*) = %(count)s AS firing FROM locked
), refreshed AS (
    UPDATE alerts
       SET last_seen_at = %(now)s, occurrences = alerts.occurrences + locked.times,
           expires_at = locked.expires_at
      FROM locked, whole
     WHERE whole.firing AND alerts.id = locked.id
), received AS (
    INSERT INTO alert_deliveries
           (integration_id, source, received_at, alerts, truncated_alerts, group_key)
    SELECT r.integration_id, r.source, %(now)s, r.alerts, r.truncated_alerts, r.group_key
      FROM json_to_recordset(%(receipts)s::json) AS r (
               integration_id bigint, source text, alerts integer, truncated_alerts integer,
               group_key text),
           whole
     WHERE whole.firing
)
SELECT firing FROM whole
"""

_SQLITE_RECEIPT = """
INSERT INTO alert_deliveries
       (integration_id, source, received_at, alerts, truncated_alerts, group_key)
VALUES (:integration_id, :source, :received_at, :alerts, :truncated_alerts, :group_key)
"""


class ResendStore(Protocol):
    def store(self, plan: ResendPlan) -> bool:
        """True once the whole group is committed; False (or an error) when nothing was
        stored."""

    def close(self) -> None: ...


def store_for(db: Database) -> ResendStore:
    """A store for one thread (it keeps a connection; not to be shared)."""
    if db.dialect == "postgresql":
        return PostgreSQLResends(db)
    return SQLiteResends(db)


class PostgreSQLResends:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: psycopg.Connection[Any] | None = None

    @property
    def connection(self) -> psycopg.Connection[Any] | None:
        """The connection in use, if one is open."""
        return self._conn

    def store(self, plan: ResendPlan) -> bool:
        params = _postgresql_params(plan)
        if params is None:
            return False
        try:
            if self._conn is None:
                self._conn = self.db.own_connection()
            row = self._conn.execute(_POSTGRESQL, params).fetchone()
        except psycopg.Error:
            # A connection that broke (a server restart) is opened again next time.
            if self._conn is not None and (self._conn.broken or self._conn.closed):
                self.close()
            raise
        return bool(row and row[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _postgresql_params(plan: ResendPlan) -> dict[str, Any] | None:
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
    return {
        "sent": orjson.dumps(sent).decode(),
        "receipts": orjson.dumps(plan.receipts).decode(),  # received_at: the server's now
        "count": len(sent),
        "now": plan.now,
    }


class SQLiteResends:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None
        # Datetimes as the ORM stores them (naive UTC text), so both paths write alike.
        processor = UTCDateTime().bind_processor(db.engine.dialect)
        assert processor is not None
        self._when: Callable[[Any], Any] = processor

    def store(self, plan: ResendPlan) -> bool:
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
