"""REST routes for an incident's tasks and phases (under the incident's path): parse, call
the service, return its answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from warroom import limits
from warroom.incidents.api import Ref
from warroom.incidents.schemas import IncidentOut, PhaseIn
from warroom.rest import Db, Reader, Responder
from warroom.tasks import phases as phase_moves
from warroom.tasks import service as tasks
from warroom.tasks.schemas import PhasesOut, TaskDoneIn, TaskOut

# The incidents' prefix and tag: to a caller these are an incident's routes.
router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
TaskNumber = Annotated[int, Path(ge=-limits.INT32_MAX - 1, le=limits.INT32_MAX)]


@router.get("/{ref}/tasks")
def list_tasks(ref: Ref, ctx: Reader, db: Db) -> list[TaskOut]:
    return tasks.list_tasks(db, ref, ctx.now)


@router.post("/{ref}/tasks/{number}/done")
def complete_task(
    ref: Ref, number: TaskNumber, ctx: Responder, db: Db, body: TaskDoneIn | None = None
) -> TaskOut:
    return tasks.complete(db, ctx, ref, number, body or TaskDoneIn())


@router.delete("/{ref}/tasks/{number}/done")
def undo_task(ref: Ref, number: TaskNumber, ctx: Responder, db: Db) -> TaskOut:
    return tasks.undo(db, ctx, ref, number)


@router.get("/{ref}/phase")
def phases(ref: Ref, ctx: Reader, db: Db) -> PhasesOut:
    return phase_moves.phases(db, ctx.config, ctx.now, ref)


@router.post("/{ref}/phase")
def move_phase(ref: Ref, body: PhaseIn, ctx: Responder, db: Db) -> IncidentOut:
    return phase_moves.move_phase(db, ctx, ref, body)
