"""Alerts as REST resources: customer reports, stored alerts, change events, and the
integrations that may send alerts. The intake endpoints themselves are in `webhooks`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from warroom.alerts import integrations, queries
from warroom.alerts.formats import customer
from warroom.alerts.formats.model import FormatError
from warroom.alerts.intake.ingest import ingest
from warroom.alerts.integrations import Sender
from warroom.alerts.schemas import (
    AlertOut,
    AlertsSummaryOut,
    ChangeIn,
    ChangeOut,
    IngestResult,
    IntegrationIn,
    IntegrationOut,
    ReportIn,
)
from warroom.changes import service as changes
from warroom.errors import InvalidInputError
from warroom.limits import Storable, StorableStr
from warroom.rest import Admin, Db, Reader, Responder

router = APIRouter(tags=["alerts"])
Ref = Annotated[str, Path(), Storable]
IntegrationName = Annotated[str, Path(), Storable]


@router.post("/api/v1/reports", status_code=202)
def report_problem(body: ReportIn, ctx: Responder, db: Db) -> IngestResult:
    """A customer report: an alert of source `customer` (warning → SEV-3 by default)."""
    try:
        event = customer.parse(body.model_dump(exclude_none=True))
    except FormatError as exc:
        raise InvalidInputError("; ".join(exc.errors)) from None
    sender = Sender(scope="customer", name=ctx.actor, service=body.service)
    return ingest(db, ctx.config, ctx.now, sender, [event])


@router.get("/api/v1/alerts")
def list_alerts(
    _ctx: Reader,
    db: Db,
    status: Annotated[str | None, Query(pattern="^(firing|resolved)$")] = None,
    service_name: Annotated[StorableStr | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertOut]:
    return queries.list_alerts(db, status=status, service=service_name, limit=limit)


@router.get("/api/v1/incidents/{ref}/alerts")
def incident_alerts(ref: Ref, _ctx: Reader, db: Db) -> list[AlertOut]:
    return queries.alerts_of(db, ref)


@router.get("/api/v1/incidents/{ref}/alerts/summary")
def incident_alerts_summary(ref: Ref, _ctx: Reader, db: Db) -> AlertsSummaryOut:
    """The incident's alerts as counts, for a storm of thousands: by alertname, host,
    cluster, namespace, job, service and severity (the values of most alerts), how many
    fire now, and the first and latest alert."""
    return queries.alerts_summary(db, ref)


@router.get("/api/v1/incidents/{ref}/changes")
def incident_changes(ref: Ref, _ctx: Reader, db: Db) -> list[ChangeOut]:
    """Changes to the incident's services in the 24 hours before it was declared."""
    return changes.changes_before(db, ref)


@router.post(
    "/api/v1/changes",
    status_code=201,
    responses={200: {"model": ChangeOut, "description": "Already recorded (a retry)"}},
)
def record_change(body: ChangeIn, ctx: Responder, db: Db, response: Response) -> ChangeOut:
    """Record a change; the same change again (content and time) is stored once and
    answered 200 with the stored change, `duplicate: true`."""
    recorded = changes.record_change(db, ctx, body)
    if recorded.duplicate:
        response.status_code = 200
    return recorded


@router.get("/api/v1/changes")
def list_changes(
    ctx: Reader,
    db: Db,
    service_name: Annotated[StorableStr | None, Query(alias="service")] = None,
    since: Annotated[StorableStr | None, Query(description="24h, 7d or an ISO 8601 time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ChangeOut]:
    return changes.list_changes(db, ctx.now, service=service_name, since=since, limit=limit)


@router.post("/api/v1/integrations", status_code=201)
def create_integration(body: IntegrationIn, ctx: Admin, db: Db, request: Request) -> IntegrationOut:
    return integrations.create_integration(db, ctx, body, str(request.base_url).rstrip("/"))


@router.get("/api/v1/integrations")
def list_integrations(_ctx: Admin, db: Db) -> list[IntegrationOut]:
    return integrations.list_integrations(db)


@router.delete("/api/v1/integrations/{name}")
def revoke_integration(name: IntegrationName, ctx: Admin, db: Db) -> IntegrationOut:
    return integrations.revoke_integration(db, ctx, name)


@router.post("/api/v1/integrations/{name}/restore")
def restore_integration(name: IntegrationName, ctx: Admin, db: Db) -> IntegrationOut:
    """Undo a revocation: the same key works again (in every process within seconds)."""
    return integrations.restore_integration(db, ctx, name)
