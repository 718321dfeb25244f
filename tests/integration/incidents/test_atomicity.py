"""A change that fails halfway leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import START
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.incidents import service
from warroom.incidents.models import Incident, IncidentRefCounter, IncidentRole
from warroom.incidents.schemas import DeclareIn, PatchIn
from warroom.timeline import service as timeline
from warroom.timeline.models import TimelineEvent


class Boom(RuntimeError):
    pass


def _fail(*_: object, **__: object) -> None:
    raise Boom("disk on fire")


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_declare_failing_at_the_timeline_writes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Context(Config(), "admin", START)
    monkeypatch.setattr(timeline, "record", _fail)
    with pytest.raises(Boom):
        service.declare(db, ctx, DeclareIn(title="x", severity="sev-1", services=["api"]))
    for model in (Incident, IncidentRole, IncidentRefCounter, TimelineEvent):
        assert _count(db, model) == 0, model.__name__
    monkeypatch.undo()
    # The sequence number was given back, not burnt.
    assert service.declare(db, ctx, DeclareIn(title="x", severity="1")).ref.endswith("-0001")


def test_update_failing_halfway_keeps_the_old_state(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Context(Config(), "admin", START)
    ref = service.declare(db, ctx, DeclareIn(title="before", severity="sev-3")).ref
    events_before = _count(db, TimelineEvent)  # the declaration and the task it ticked
    real_record = timeline.record
    calls = 0

    def fail_second(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Boom("second write failed")
        return real_record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(timeline, "record", fail_second)
    with pytest.raises(Boom):
        service.update(db, ctx, ref, PatchIn(severity="sev-1", title="after"))
    monkeypatch.undo()
    incident = service.get(db, Config(), START, ref)
    assert (incident.title, incident.severity) == ("before", "SEV-3")
    assert incident.response_due_at == START.replace(hour=16)
    assert _count(db, TimelineEvent) == events_before
