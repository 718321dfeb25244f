"""Change events stored once: a retried change is recognised by its content and time.

A deploy pipeline that times out waiting for an answer sends its change again, and so
does a PagerDuty client retrying a change event. Each change is stored with a SHA-256
digest of what identifies it — service, summary, source, the time it occurred, details
and links — under a unique index, and inserted with ON CONFLICT DO NOTHING (the same
statement on SQLite and PostgreSQL), so a second copy, even one arriving at the same
moment as the first, finds the first row instead of adding one.

A change that carries no time of its own is given the time it was received, so only
retries of changes that say when they occurred are recognised: two timeless changes
with the same text a minute apart may well be two deploys.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import ChangeEvent
from warroom.db import upsert_insert


def change_digest(
    *,
    service: str | None,
    summary: str,
    source: str | None,
    occurred_at: datetime,
    details: dict[str, Any],
    links: list[dict[str, str]],
) -> str:
    """The identity of a change: equal for a retry, whatever the sender's key order or
    time zone."""
    identity = {
        "service": service,
        "summary": summary,
        "source": source,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "details": details,
        "links": links,
    }
    canonical = orjson.dumps(identity, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def insert_once(session: Session, values: dict[str, Any]) -> tuple[ChangeEvent, bool]:
    """Insert a change (every column but `id` and `digest`) unless the same change is
    stored; returns the stored row and whether it was already there."""
    digest = change_digest(
        service=values["service"],
        summary=values["summary"],
        source=values["source"],
        occurred_at=values["occurred_at"],
        details=values["details"],
        links=values["links"],
    )
    statement = (
        upsert_insert(session)(ChangeEvent)
        .values(**values, digest=digest)
        .on_conflict_do_nothing(index_elements=["digest"])
        .returning(ChangeEvent.id)
    )
    inserted = session.scalar(statement)
    row = session.scalars(select(ChangeEvent).where(ChangeEvent.digest == digest)).one()
    return row, inserted is None
