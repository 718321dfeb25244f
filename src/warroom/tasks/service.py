"""Incident tasks from the runbook's checklists: created on declare, ticked off by people,
or by warroom itself when it records the event a task's trigger names (`tick`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from warroom.context import Context
from warroom.db import Database
from warroom.errors import ConflictError, NotFoundError
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.runbooks import deadlines
from warroom.runbooks.model import ChecklistItem, Runbook
from warroom.tasks import rules
from warroom.tasks.models import IncidentTask
from warroom.tasks.schemas import TaskDoneIn, TaskOut
from warroom.timeline import service as timeline
from warroom.timeline.models import TimelineEvent


def create_for(session: Session, incident: Incident, runbook: Runbook) -> int:
    """One task per checklist item of every phase (sub-items too); returns how many."""
    number = 0
    times = incident.anchors()
    for phase in runbook.phases:
        offset = deadlines.deadline_offset(phase.window)
        for checklist in phase.checklists:
            pending: list[tuple[int | None, ChecklistItem]] = [
                (None, item) for item in checklist.items
            ]
            while pending:
                parent, item = pending.pop(0)
                number += 1
                session.add(
                    IncidentTask(
                        incident_id=incident.id,
                        number=number,
                        parent_number=parent,
                        phase=phase.key,
                        checklist=checklist.title,
                        text=item.text,
                        severities=item.severities,
                        anchor=phase.window.anchor,
                        due_after_seconds=int(offset.total_seconds()) if offset else None,
                        due_at=deadlines.due(phase.window.anchor, offset, times),
                        done_when=item.done_when,
                    )
                )
                pending[0:0] = [(number, child) for child in item.children]  # depth first
    return number


def refresh_due(session: Session, incident: Incident) -> None:
    """Recompute deadlines after an anchor moved (mitigated, resolved, reopened)."""
    times = incident.anchors()
    for task in session.scalars(
        select(IncidentTask).where(IncidentTask.incident_id == incident.id)
    ):
        offset = rules.timedelta_or_none(task.due_after_seconds)
        task.due_at = deadlines.due(task.anchor, offset, times)


def present(task: IncidentTask, incident: Incident, now: datetime) -> TaskOut:
    applies = rules.applies(task.severities, incident.severity)
    return TaskOut(
        number=task.number,
        parent=task.parent_number,
        phase=task.phase,
        checklist=task.checklist,
        text=task.text,
        applies=applies,
        due_at=task.due_at,
        overdue=applies and deadlines.overdue(task.due_at, task.done_at is not None, now),
        done_at=task.done_at,
        done_by=task.done_by,
        note=task.note,
        done_when=task.done_when,
        done_by_event=task.done_by_event,
    )


def _of_trigger(
    session: Session, incident: Incident, trigger: str, state: ColumnElement[bool]
) -> list[IncidentTask]:
    """The incident's tasks whose trigger is `trigger` and that are in `state`, in order."""
    query = (
        select(IncidentTask)
        .where(IncidentTask.incident_id == incident.id, IncidentTask.done_when == trigger, state)
        .order_by(IncidentTask.number)
    )
    return list(session.scalars(query))


def tick(session: Session, incident: Incident, trigger: str, event: TimelineEvent) -> list[int]:
    """Tick the incident's open tasks whose trigger is `trigger`, as done by `event` (its
    actor, its time); each tick is a timeline event naming that event. Returns the numbers."""
    open_tasks = _of_trigger(session, incident, trigger, IncidentTask.done_at.is_(None))
    if not open_tasks:
        return []
    session.flush()  # the event's id, which the tasks and their ticks refer to
    for task in open_tasks:
        task.done_at, task.done_by, task.done_by_event = event.occurred_at, event.actor, event.id
        timeline.record(
            session,
            incident_id=incident.id,
            kind="task_completed",
            actor=event.actor,
            at=event.occurred_at,
            data={
                "task": task.number,
                "phase": task.phase,
                "text": task.text,
                "ticked_by": {"event": event.id, "kind": event.kind},
            },
        )
    return [task.number for task in open_tasks]


def untick(session: Session, incident: Incident, trigger: str, event: TimelineEvent) -> list[int]:
    """Reopen the tasks warroom ticked for `trigger` once `event` undid what ticked them
    (a role unassigned, a severity that needs another role); a person's ticks stay."""
    ticked = _of_trigger(session, incident, trigger, IncidentTask.done_by_event.is_not(None))
    if not ticked:
        return []
    session.flush()  # the event's id
    for task in ticked:
        task.done_at = task.done_by = task.note = task.done_by_event = None
        timeline.record(
            session,
            incident_id=incident.id,
            kind="task_reopened",
            actor=event.actor,
            at=event.occurred_at,
            data={
                "task": task.number,
                "text": task.text,
                "reopened_by": {"event": event.id, "kind": event.kind},
            },
        )
    return [task.number for task in ticked]


def tasks_of(session: Session, incident: Incident) -> list[IncidentTask]:
    return list(
        session.scalars(
            select(IncidentTask)
            .where(IncidentTask.incident_id == incident.id)
            .order_by(IncidentTask.number)
        )
    )


def list_tasks(db: Database, ref: str, now: datetime) -> list[TaskOut]:
    with db.read() as session:
        incident = by_ref(session, ref)
        return [present(t, incident, now) for t in tasks_of(session, incident)]


def _task(session: Session, incident: Incident, number: int) -> IncidentTask:
    task = session.scalar(
        select(IncidentTask).where(
            IncidentTask.incident_id == incident.id, IncidentTask.number == number
        )
    )
    if task is None:
        raise NotFoundError(f"{incident.ref} has no task {number}", field="task")
    return task


def complete(db: Database, ctx: Context, ref: str, number: int, data: TaskDoneIn) -> TaskOut:
    with db.write() as session:
        incident = by_ref(session, ref, lock=True)
        task = _task(session, incident, number)
        if task.done_at is not None:
            raise ConflictError(
                f"task {number} was done at {task.done_at.isoformat()} by {task.done_by}",
                field="task",
            )
        task.done_at, task.done_by, task.note = ctx.now, ctx.actor, data.note or None
        timeline.record(
            session,
            incident_id=incident.id,
            kind="task_completed",
            actor=ctx.actor,
            at=ctx.now,
            data={"task": number, "phase": task.phase, "text": task.text, "note": data.note},
        )
        incident.updated_at = ctx.now
        return present(task, incident, ctx.now)


def undo(db: Database, ctx: Context, ref: str, number: int) -> TaskOut:
    with db.write() as session:
        incident = by_ref(session, ref, lock=True)
        task = _task(session, incident, number)
        if task.done_at is None:
            raise ConflictError(f"task {number} is not done", field="task")
        task.done_at = task.done_by = task.note = task.done_by_event = None
        timeline.record(
            session,
            incident_id=incident.id,
            kind="task_reopened",
            actor=ctx.actor,
            at=ctx.now,
            data={"task": number, "text": task.text},
        )
        return present(task, incident, ctx.now)
