"""Keeping parsed runbooks in the database, once per distinct content."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db import upsert_insert
from warroom.runbooks.model import Runbook
from warroom.runbooks.models import RunbookAction, StoredRunbook

_parsed: dict[str, Runbook] = {}


def digest(runbook: Runbook) -> str:
    return hashlib.sha256(runbook.model_dump_json().encode()).hexdigest()


def store(session: Session, runbook: Runbook, now: datetime) -> int:
    """The id of this runbook's row, inserting it (and its actions) the first time."""
    key = digest(runbook)
    _parsed.setdefault(key, runbook)
    existing = session.scalar(select(StoredRunbook.id).where(StoredRunbook.digest == key))
    if existing is not None:
        return existing
    insert = upsert_insert(session)
    session.execute(
        insert(StoredRunbook)
        .values(
            digest=key,
            title=runbook.title,
            version=runbook.metadata.version,
            source=runbook.title,
            model=runbook.model_dump(mode="json"),
            stored_at=now,
        )
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    runbook_id = session.scalar(select(StoredRunbook.id).where(StoredRunbook.digest == key))
    assert runbook_id is not None
    if not session.scalar(select(RunbookAction.id).where(RunbookAction.runbook_id == runbook_id)):
        for action in runbook.actions:
            session.add(
                RunbookAction(
                    runbook_id=runbook_id,
                    name=action.name,
                    label=action.label,
                    kind=action.kind,
                    runner=action.runner,
                    command=action.command,
                    argv=action.argv,
                    script=action.script,
                    parameters=[p.model_dump(mode="json") for p in action.parameters],
                    phase=action.phase,
                    incident_type=action.incident_type,
                )
            )
    return runbook_id


def load(session: Session, runbook_id: int) -> Runbook:
    # Ids are only stable within a database, so the id -> digest memo lives on the session
    # (a page of 50 incidents asks once, not 50 times); parsed models are shared by digest.
    digests: dict[int, str] = session.info.setdefault("runbook_digests", {})
    key = digests.get(runbook_id)
    if key is None:
        key = session.scalar(select(StoredRunbook.digest).where(StoredRunbook.id == runbook_id))
        if key is None:
            raise LookupError(f"runbook {runbook_id} is not stored")
        digests[runbook_id] = key
    cached = _parsed.get(key)
    if cached is None:
        model = session.scalar(select(StoredRunbook.model).where(StoredRunbook.id == runbook_id))
        cached = _parsed[key] = Runbook.model_validate(model)
    return cached
