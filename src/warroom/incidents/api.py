"""REST routes for incidents: parse, call the service, return its answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from warroom import limits
from warroom.incidents import playbooks, resolution, service, staffing
from warroom.incidents.schemas import (
    AssessmentIn,
    DeclareIn,
    IncidentOut,
    IncidentPage,
    NoteIn,
    PatchIn,
    PlaybookOut,
    ReopenIn,
    ResolveIn,
    RoleIn,
    StatusIn,
    Symptom,
    SymptomsIn,
)
from warroom.limits import Storable, StorableStr
from warroom.rest import Db, Reader, Responder
from warroom.timeline.model import Visibility
from warroom.timeline.schemas import TimelineEventOut, TimelinePage

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
# An incident's playbook, a router of its own so that the app can list it after the
# tasks' routes (tasks/api.py), where the API document has always had it.
playbook_router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
Ref = Annotated[
    str, Path(description="incident-YYYY-MM-DD-NNNN (the 3-digit form works too)"), Storable
]
Role = Annotated[str, Path(max_length=limits.ROLE), Storable]


@router.post("", status_code=201)
def declare(body: DeclareIn, ctx: Responder, db: Db) -> IncidentOut:
    return service.declare(db, ctx, body)


@router.get("")
def list_incidents(
    ctx: Reader,
    db: Db,
    status: Annotated[
        list[StorableStr] | None, Query(description="open, or a status; repeatable")
    ] = None,
    severity: Annotated[
        list[StorableStr] | None, Query(description="e.g. SEV-1; repeatable")
    ] = None,
    service_name: Annotated[StorableStr | None, Query(alias="service")] = None,
    since: Annotated[StorableStr | None, Query(description="24h, 7d or an ISO 8601 time")] = None,
    cursor: StorableStr | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IncidentPage:
    return service.list_incidents(
        db,
        ctx.config,
        ctx.now,
        status=status,
        severity=severity,
        service=service_name,
        since=since,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{ref}")
def show(ref: Ref, ctx: Reader, db: Db) -> IncidentOut:
    return service.get(db, ctx.config, ctx.now, ref)


@router.patch("/{ref}")
def update(ref: Ref, body: PatchIn, ctx: Responder, db: Db) -> IncidentOut:
    return service.update(db, ctx, ref, body)


@router.post("/{ref}/acknowledge")
def acknowledge(ref: Ref, ctx: Responder, db: Db) -> IncidentOut:
    return service.acknowledge(db, ctx, ref)


@router.put("/{ref}/roles/{role}")
def assign_role(ref: Ref, role: Role, body: RoleIn, ctx: Responder, db: Db) -> IncidentOut:
    return staffing.assign_role(db, ctx, ref, role, body)


@router.delete("/{ref}/roles/{role}")
def unassign_role(ref: Ref, role: Role, ctx: Responder, db: Db) -> IncidentOut:
    return staffing.unassign_role(db, ctx, ref, role)


@router.post("/{ref}/notes", status_code=201)
def add_note(ref: Ref, body: NoteIn, ctx: Responder, db: Db) -> TimelineEventOut:
    return service.add_note(db, ctx, ref, body)


@router.patch("/{ref}/assessment")
def record_assessment(ref: Ref, body: AssessmentIn, ctx: Responder, db: Db) -> IncidentOut:
    return service.record_assessment(db, ctx, ref, body)


@router.post("/{ref}/status")
def change_status(ref: Ref, body: StatusIn, ctx: Responder, db: Db) -> IncidentOut:
    return service.change_status(db, ctx, ref, body)


@router.post("/{ref}/resolve")
def resolve(ref: Ref, body: ResolveIn, ctx: Responder, db: Db) -> IncidentOut:
    return resolution.resolve(db, ctx, ref, body)


@router.post("/{ref}/reopen")
def reopen(ref: Ref, body: ReopenIn, ctx: Responder, db: Db) -> IncidentOut:
    return service.reopen(db, ctx, ref, body)


@router.get("/{ref}/timeline")
def timeline(
    ref: Ref,
    _ctx: Reader,
    db: Db,
    cursor: StorableStr | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    visibility: Annotated[
        Visibility | None,
        Query(description="public: only what a status page may show; internal: the rest"),
    ] = None,
) -> TimelinePage:
    return service.list_timeline(db, ref, cursor=cursor, limit=limit, visibility=visibility)


@playbook_router.post("/{ref}/symptoms")
def add_symptoms(ref: Ref, body: SymptomsIn, ctx: Responder, db: Db) -> PlaybookOut:
    return playbooks.add_symptoms(db, ctx, ref, body)


@playbook_router.get("/{ref}/playbook")
def playbook(
    ref: Ref,
    ctx: Reader,
    db: Db,
    symptom: Annotated[
        list[Symptom] | None,
        Query(
            max_length=20,
            description="Symptoms to try besides the recorded ones; nothing is stored "
            "(POST /symptoms records them)",
        ),
    ] = None,
) -> PlaybookOut:
    return playbooks.suggestions(db, ctx.config, ref, symptom)
