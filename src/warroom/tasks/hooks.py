"""What the tasks domain does when an incident changes (subscribed in `warroom.domains`):
create the runbook's tasks at declaration, tick the ones warroom sees done, keep
deadlines anchored, and say which tasks resolving leaves open."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.incidents import rules as incident_rules
from warroom.incidents.changes import runbook_of
from warroom.incidents.hooks import Change
from warroom.runbooks import triggers
from warroom.tasks import rules, service


def on_declared(change: Change) -> None:
    runbook = runbook_of(change.session, change.incident, change.config)
    count = service.create_for(change.session, change.incident, runbook)
    change.event.data = {**change.event.data, "tasks": count}
    service.tick(change.session, change.incident, triggers.DECLARED, change.event)


def on_acknowledged(change: Change) -> None:
    service.tick(change.session, change.incident, triggers.ACKNOWLEDGED, change.event)


def on_role_filled(change: Change) -> None:
    """The task naming the role, and "Assemble team" once every role the severity
    requires has a holder."""
    assert change.role is not None
    service.tick(change.session, change.incident, triggers.role_filled(change.role), change.event)
    check_team(change)


def on_role_vacated(change: Change) -> None:
    """A role left vacant reopens the tasks warroom ticked for it."""
    assert change.role is not None
    trigger = triggers.role_filled(change.role)
    service.untick(change.session, change.incident, trigger, change.event)
    check_team(change)


def check_team(change: Change) -> None:
    """ "Assemble team" follows the roles the severity requires: ticked when all have a
    holder, reopened (if warroom ticked it) when one is missing again, as after a
    severity change that needs another role."""
    runbook = runbook_of(change.session, change.incident, change.config)
    held = {r.role for r in change.incident.roles}
    required = runbook.required_roles(change.incident.severity)
    if incident_rules.missing_roles(required, held):
        service.untick(change.session, change.incident, triggers.TEAM_ASSEMBLED, change.event)
    else:
        service.tick(change.session, change.incident, triggers.TEAM_ASSEMBLED, change.event)


def on_anchor_moved(change: Change) -> None:
    """Mitigated, resolved or reopened: deadlines measured from those move with them."""
    service.refresh_due(change.session, change.incident)


def on_resolved(change: Change) -> Sequence[str]:
    """The tasks resolving leaves open: on the resolution's event, and as a warning."""
    states = [
        rules.TaskState(
            number=t.number,
            text=t.text,
            checklist=t.checklist,
            anchor=t.anchor,
            severities=t.severities,
            done=t.done_at is not None,
            done_when=t.done_when,
        )
        for t in service.tasks_of(change.session, change.incident)
    ]
    undone = [
        (t.number, t.text) for t in rules.open_at_resolution(states, change.incident.severity)
    ]
    if undone:
        change.event.data = {**change.event.data, "open_tasks": [n for n, _ in undone]}
    service.refresh_due(change.session, change.incident)
    return incident_rules.resolution_warnings([], undone)
