"""Moving an incident through its runbook's phases, and reading where it stands.

Jumping ahead is allowed (skipped phases are recorded); a move the incident's state
contradicts is refused with the reason (`tasks.rules.phase_contradiction`).
"""

from __future__ import annotations

from datetime import datetime

from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.errors import ConflictError, InvalidInputError
from warroom.incidents.changes import changing, record, runbook_of
from warroom.incidents.presenting import present
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import Status
from warroom.incidents.schemas import IncidentOut, PhaseIn
from warroom.runbooks import deadlines
from warroom.runbooks.model import Phase, Runbook
from warroom.tasks import rules as task_rules
from warroom.tasks.schemas import PhaseOut, PhasesOut


def _target(runbook: Runbook, current: str, wanted: str) -> Phase:
    keys = [p.key for p in runbook.phases]
    if wanted.strip().lower() == "next":
        if current in keys and keys.index(current) + 1 < len(keys):
            return runbook.phases[keys.index(current) + 1]
        raise ConflictError(f"{current} is the last phase", field="phase")
    phase = runbook.phase(wanted)
    if phase is None:
        raise InvalidInputError(
            f"unknown phase {wanted!r}; phases: {', '.join(keys)} (or next)", field="phase"
        )
    return phase


def move_phase(db: Database, ctx: Context, ref: str, data: PhaseIn) -> IncidentOut:
    with changing(db, ctx, ref) as (session, incident):
        runbook = runbook_of(session, incident, ctx.config)
        target = _target(runbook, incident.phase, data.phase)
        if target.key == incident.phase:
            raise ConflictError(f"{incident.ref} is already in {target.key}", field="phase")
        reason = task_rules.phase_contradiction(target, resolved=incident.status == Status.resolved)
        if reason:
            # A refusal of what the caller asked, naming why: 422 (the CLI exits 2).
            raise InvalidInputError(
                f"cannot move {incident.ref} to {target.key}: {reason}", field="phase"
            )
        record(
            session,
            incident,
            ctx,
            "phase_changed",
            {
                "from": incident.phase,
                "to": target.key,
                "skipped": task_rules.skipped(runbook, incident.phase, target.key),
                "note": data.note,
            },
        )
        incident.phase = target.key
        return present(session, incident, ctx.config, ctx.now)


def phases(db: Database, config: Config, now: datetime, ref: str) -> PhasesOut:
    with db.read() as session:
        incident = by_ref(session, ref)
        runbook = runbook_of(session, incident, config)
        anchors = incident.anchors()
        out = []
        for phase in runbook.phases:
            due = deadlines.phase_due(phase, anchors)
            current = phase.key == incident.phase
            out.append(
                PhaseOut(
                    key=phase.key,
                    number=phase.number,
                    name=phase.name,
                    window=phase.window.text,
                    anchor=phase.window.anchor,
                    due_at=due,
                    current=current,
                    overdue=current and deadlines.overdue(due, False, now),
                )
            )
        return PhasesOut(ref=incident.ref, current=incident.phase, phases=out)
