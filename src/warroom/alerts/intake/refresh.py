"""Re-sent triggers of alerts that are still firing, inside the full path's transaction:
one UPDATE per integration for a whole group of deliveries (the plan is
`plan.plan_refreshes`). `resends` runs the SQLite statement raw, outside the ORM."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from warroom.alerts.intake.plan import Refresh
from warroom.db import UTCDateTime

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
# `resends`.)
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
    # order first, as `ingest._locked_alerts` and the fast path (`resends`) lock them, so
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


def refresh_firing(
    session: Session, now: datetime, refreshes: list[Refresh]
) -> dict[str, set[str]]:
    """Run the planned re-sends of still-firing alerts; returns the keys refreshed, by
    scope (the full path must still do the rest: unknown, resolved or acknowledged
    alerts)."""
    postgres = session.get_bind().dialect.name == "postgresql"
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
    return refreshed
