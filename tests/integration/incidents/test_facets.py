"""Incident facets: other domains' parts of an incident's answer come from the facets
`warroom.domains` lists (the tasks summary), asked for one incident, not for lists."""

from __future__ import annotations

import pytest

from tests.conftest import START
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.domains import incident_facets
from warroom.incidents import facets, service
from warroom.incidents.facets import Parts, Shown
from warroom.incidents.schemas import DeclareIn, TaskSummary


def declared(db: Database) -> str:
    ctx = Context(config=Config(), actor="alice", now=START)
    return service.declare(db, ctx, DeclareIn(title="Checkout down", severity="SEV-2")).ref


def test_the_task_summary_is_the_tasks_facets_part(db: Database) -> None:
    ref = declared(db)
    shown = service.get(db, Config(), START, ref)
    assert shown.tasks is not None and shown.tasks.total > 0
    facets.install(())
    try:
        assert service.get(db, Config(), START, ref).tasks is None  # nobody gave it
    finally:
        facets.install(None)
    # A list shows no facet's part.
    (listed,) = service.list_incidents(db, Config(), START).items
    assert listed.tasks is None


def test_a_facet_sees_the_incident_being_shown(db: Database) -> None:
    ref = declared(db)
    seen: list[tuple[str, str, bool]] = []

    def seven_tasks(shown: Shown) -> Parts:
        seen.append((shown.incident.ref, shown.runbook.title, shown.incident in shown.session))
        return {"tasks": TaskSummary(total=7, done=1, overdue=0)}

    facets.install((seven_tasks,))
    try:
        shown = service.get(db, Config(), START, ref)
    finally:
        facets.install(None)
    assert shown.tasks == TaskSummary(total=7, done=1, overdue=0)
    assert seen == [(ref, shown.runbook.title if shown.runbook else "", True)]


def test_two_facets_giving_one_part_is_refused(db: Database) -> None:
    ref = declared(db)
    facets.install((*incident_facets(), *incident_facets()))
    try:
        with pytest.raises(ValueError, match="tasks"):
            service.get(db, Config(), START, ref)
    finally:
        facets.install(None)
