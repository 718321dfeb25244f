"""Incident hooks (issue 13): subscribers run inside the verb's transaction, so one that
fails rolls the whole change back; the incidents package imports no subscriber."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import START
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.domains import incident_hooks
from warroom.engine.models import Job
from warroom.incidents import hooks, service
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident
from warroom.incidents.schemas import DeclareIn
from warroom.tasks.models import IncidentTask
from warroom.timeline.models import TimelineEvent

INCIDENTS = Path(service.__file__).parent


class SubscriberFailedError(RuntimeError):
    pass


def failing(change: Change) -> None:
    raise SubscriberFailedError(change.event.kind)


@pytest.fixture
def with_failing_last() -> Iterator[None]:
    """The installation's subscribers, then one that fails, on declare and acknowledge."""
    real = incident_hooks()
    hooks.install(
        replace(
            real,
            declared=(*real.declared, failing),
            acknowledged=(*real.acknowledged, failing),
        )
    )
    yield
    hooks.install(None)


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def pending_jobs(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(Job.status == "pending")) or 0)


def test_a_failing_subscriber_rolls_the_whole_declaration_back(
    db: Database, with_failing_last: None
) -> None:
    ctx = Context(config=Config(), actor="alice", now=START)
    with pytest.raises(SubscriberFailedError, match="incident_declared"):
        service.declare(db, ctx, DeclareIn(title="Checkout down", severity="SEV-1"))
    # The subscribers before it created tasks and planned pages: all gone with it.
    assert [count(db, m) for m in (Incident, TimelineEvent, IncidentTask, Job)] == [0, 0, 0, 0]


def test_a_failing_subscriber_rolls_the_acknowledgement_back(db: Database) -> None:
    ctx = Context(config=Config(), actor="alice", now=START)
    ref = service.declare(db, ctx, DeclareIn(title="Checkout down", severity="SEV-1")).ref
    events, jobs = count(db, TimelineEvent), pending_jobs(db)
    assert jobs > 0  # escalation and the response-SLA timers
    real = incident_hooks()
    hooks.install(replace(real, acknowledged=(*real.acknowledged, failing)))
    try:
        with pytest.raises(SubscriberFailedError):
            service.acknowledge(db, ctx, ref)
    finally:
        hooks.install(None)
    shown = service.get(db, Config(), START, ref)
    assert shown.acknowledged_at is None
    assert (count(db, TimelineEvent), pending_jobs(db)) == (events, jobs)  # paging still on
    assert service.acknowledge(db, ctx, ref).acknowledged_at is not None  # and works again


def test_subscribers_hear_each_change_in_the_verbs_transaction(db: Database) -> None:
    heard: list[tuple[str, str, bool]] = []

    def listen(change: Change) -> list[str]:
        in_session = change.incident in change.session
        heard.append((change.event.kind, change.incident.status, in_session))
        return [f"heard {change.event.kind}"]

    real = incident_hooks()
    hooks.install(replace(real, declared=(*real.declared, listen)))
    try:
        ctx = Context(config=Config(), actor="alice", now=START)
        out = service.declare(db, ctx, DeclareIn(title="Checkout down", severity="SEV-2"))
    finally:
        hooks.install(None)
    assert heard == [("incident_declared", "investigating", True)]
    assert "heard incident_declared" in out.warnings


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # `from warroom import tasks` imports warroom.tasks
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_incidents_package_imports_no_subscriber() -> None:
    # The verbs, the presenter (other domains' parts come through facets) and the face
    # (the task and phase routes are tasks/api.py's).
    modules = list(INCIDENTS.glob("*.py"))
    assert len(modules) >= 15
    for path in modules:
        subscribers = {
            name
            for name in imported(path)
            if name.startswith(("warroom.paging", "warroom.tasks", "warroom.alerts"))
        }
        assert subscribers == set(), path.name


def test_imported_sees_each_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from warroom import tasks\nimport warroom.paging.hooks\n"
        "def f():\n    from warroom.alerts import quiet\n",
        encoding="utf-8",
    )
    found = imported(module)
    assert {"warroom.tasks", "warroom.paging.hooks", "warroom.alerts.quiet"} <= found
