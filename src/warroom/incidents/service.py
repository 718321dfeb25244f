"""Incident state changes. The only place incidents change; every change writes its
timeline event in the same transaction, so the timeline is the complete history."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import limits
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database, upsert_insert
from warroom.errors import ConflictError, InvalidInputError
from warroom.incidents import hooks, rules, severity
from warroom.incidents import status as incident_status
from warroom.incidents.changes import changing, iso, record, refused_move, runbook_of
from warroom.incidents.hooks import Change
from warroom.incidents.models import Incident, IncidentRefCounter, IncidentRole, IncidentService
from warroom.incidents.presenting import present, questions
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import ASSESSMENT_FIELDS, OPEN_STATUSES, Status
from warroom.incidents.schemas import (
    AssessmentIn,
    DeclareIn,
    IncidentOut,
    IncidentPage,
    NoteIn,
    PatchIn,
    ReopenIn,
    StatusIn,
)
from warroom.runbooks import progress
from warroom.runbooks import store as runbooks
from warroom.runbooks.model import Runbook, SeverityLevel, UnknownSeverityError
from warroom.timeline import service as timeline
from warroom.timeline.model import Visibility
from warroom.timeline.schemas import TimelineEventOut, TimelinePage

# --- validation against configuration -----------------------------------------------


def _severity(runbook: Runbook, text: str) -> SeverityLevel:
    try:
        return runbook.severity(text)
    except UnknownSeverityError as exc:
        raise InvalidInputError(str(exc), field="severity") from None


# --- loading ------------------------------------------------------------------------


def _next_seq(session: Session, day: date) -> int:
    """Bump the day's counter; the row lock it takes orders concurrent declarations."""
    statement = (
        upsert_insert(session)(IncidentRefCounter)
        .values(day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=["day"], set_={"last_seq": IncidentRefCounter.last_seq + 1}
        )
        .returning(IncidentRefCounter.last_seq)
    )
    return int(session.execute(statement).scalar_one())


# --- verbs --------------------------------------------------------------------------


def declare(db: Database, ctx: Context, data: DeclareIn) -> IncidentOut:
    with db.write() as session:
        incident, warnings = declare_in(session, ctx, data)
        out = present(session, incident, ctx.config, ctx.now)
        out.warnings = [*out.warnings, *warnings]
        return out


def declare_in(
    session: Session, ctx: Context, data: DeclareIn, extra: dict[str, Any] | None = None
) -> tuple[Incident, list[str]]:
    """Declare inside the caller's transaction (alerts open incidents this way); the
    incident, and the subscribers' warnings (say, a SEV-1 that would page nobody)."""
    runbook = ctx.config.runbook_for(data.services)
    level = _severity(runbook, data.severity)
    services = ctx.config.check_services(data.services)
    commander = (
        ctx.config.check_person(data.commander, "commander") if data.commander else ctx.actor
    )
    due = rules.response_due(ctx.now, level, ctx.config.business_calendar)
    day = rules.ref_day(ctx.now)
    seq = _next_seq(session, day)
    incident = Incident(
        ref=rules.format_ref(day, seq),
        ref_day=day,
        ref_seq=seq,
        title=data.title,
        summary=data.summary,
        severity=level.name,
        status=Status.investigating.value,
        phase=progress.first_phase(runbook),
        symptoms=data.symptoms or None,
        runbook_id=runbooks.store(session, runbook, ctx.now),
        declared_by=ctx.actor,
        declared_at=ctx.now,
        response_due_at=due,
        updated_at=ctx.now,
        services=[IncidentService(service=s, position=i) for i, s in enumerate(services)],
        roles=[
            IncidentRole(
                role="incident_commander",
                person=commander,
                assigned_by=ctx.actor,
                assigned_at=ctx.now,
            )
        ],
    )
    session.add(incident)
    session.flush()
    declared = record(
        session,
        incident,
        ctx,
        "incident_declared",
        {
            "ref": incident.ref,
            "title": incident.title,
            "severity": level.name,
            "services": services,
            "summary": data.summary,
            "incident_commander": commander,
            "response_due_at": iso(due),
            "phase": incident.phase,
            "tasks": 0,  # the tasks subscriber counts what it creates
            "symptoms": data.symptoms,
            "runbook": runbook.title,
            **(extra or {}),
        },
    )
    warnings = hooks.run(hooks.installed().declared, Change.of(session, ctx, incident, declared))
    return incident, warnings


def get(db: Database, config: Config, now: datetime, ref: str) -> IncidentOut:
    with db.read() as session:
        return present(session, by_ref(session, ref), config, now)


def acknowledge(db: Database, ctx: Context, ref: str) -> IncidentOut:
    with changing(db, ctx, ref) as (session, incident):
        acknowledge_in(session, ctx, incident)
        return present(session, incident, ctx.config, ctx.now)


def acknowledge_in(session: Session, ctx: Context, incident: Incident) -> bool:
    """Acknowledge (idempotent); False when it already was. Stops paging."""
    if incident.status == Status.resolved:
        raise ConflictError(f"{incident.ref} is resolved; reopen it first", field="status")
    if incident.acknowledged_at is not None:
        return False
    incident.acknowledged_at = ctx.now
    incident.acknowledged_by = ctx.actor
    incident.updated_at = ctx.now
    acknowledged = record(
        session,
        incident,
        ctx,
        "incident_acknowledged",
        {
            "response_due_at": iso(incident.response_due_at),
            "response_breached": rules.response_breached(
                incident.response_due_at, ctx.now, ctx.now
            ),
            "seconds_to_acknowledge": (ctx.now - incident.declared_at).total_seconds(),
        },
    )
    hooks.run(hooks.installed().acknowledged, Change.of(session, ctx, incident, acknowledged))
    return True


def update(db: Database, ctx: Context, ref: str, data: PatchIn) -> IncidentOut:
    with changing(db, ctx, ref) as (session, incident):
        services = incident.service_names
        if data.services is not None:
            services = ctx.config.check_services(data.services)
        runbook = ctx.config.runbook_for(services)
        if data.severity is not None:
            severity.change_in(session, ctx, incident, _severity(runbook, data.severity))
        if data.title is not None and data.title != incident.title:
            record(
                session, incident, ctx, "title_changed", {"from": incident.title, "to": data.title}
            )
            incident.title = data.title
        if data.summary is not None and data.summary != incident.summary:
            record(session, incident, ctx, "summary_changed", {"summary": data.summary})
            incident.summary = data.summary
        if data.services is not None and services != incident.service_names:
            record(
                session,
                incident,
                ctx,
                "services_changed",
                {"from": incident.service_names, "to": services},
            )
            incident.services = [
                IncidentService(service=s, position=i) for i, s in enumerate(services)
            ]
        return present(session, incident, ctx.config, ctx.now)


def add_note(db: Database, ctx: Context, ref: str, data: NoteIn) -> TimelineEventOut:
    with changing(db, ctx, ref) as (session, incident):
        event = timeline.record(
            session,
            incident_id=incident.id,
            kind="note_added",
            actor=ctx.actor,
            at=ctx.now,
            data={"text": data.text},
        )
        session.flush()
        return TimelineEventOut.model_validate(event)


def record_assessment(db: Database, ctx: Context, ref: str, data: AssessmentIn) -> IncidentOut:
    answers = data.model_dump(include=data.model_fields_set)
    with changing(db, ctx, ref) as (session, incident):
        other = answers.pop("answers", None) or {}
        if other:
            asked = {q.key for q in questions(incident, runbook_of(session, incident, ctx.config))}
            unknown = sorted(set(other) - (asked - set(ASSESSMENT_FIELDS)))
            if unknown:
                raise InvalidInputError(
                    f"no such question {unknown[0]!r}; the runbook asks: "
                    f"{', '.join(sorted(asked)) or 'nothing'}",
                    field=f"answers.{unknown[0]}",
                )
            incident.answers = {**(incident.answers or {}), **other}
            answers["answers"] = other
        for name, value in answers.items():
            if name != "answers":
                setattr(incident, name, value)
        record(session, incident, ctx, "assessment_recorded", answers)
        return present(session, incident, ctx.config, ctx.now)


def change_status(db: Database, ctx: Context, ref: str, data: StatusIn) -> IncidentOut:
    target = Status(data.status)
    with changing(db, ctx, ref) as (session, incident):
        if not rules.can_move(Status(incident.status), target):
            raise refused_move(incident, target.value)
        incident_status.move_in(session, ctx, incident, target, data.note)
        return present(session, incident, ctx.config, ctx.now)


def reopen(db: Database, ctx: Context, ref: str, data: ReopenIn) -> IncidentOut:
    with changing(db, ctx, ref) as (session, incident):
        if incident.status != Status.resolved:
            raise ConflictError(
                f"{incident.ref} is {incident.status}; only a resolved incident can be reopened",
                field="status",
            )
        reopened = record(
            session,
            incident,
            ctx,
            "incident_reopened",
            {"reason": data.reason, "previously_resolved_at": iso(incident.resolved_at)},
        )
        incident.status = Status.investigating.value
        incident.resolved_at = None
        incident.phase = progress.phase_after_reopen(runbook_of(session, incident, ctx.config))
        hooks.run(hooks.installed().reopened, Change.of(session, ctx, incident, reopened))
        return present(session, incident, ctx.config, ctx.now)


# --- reading ------------------------------------------------------------------------


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("invalid cursor", field="cursor") from None
    if not 0 <= value <= limits.INT64_MAX:  # an id the databases can compare
        raise InvalidInputError("invalid cursor", field="cursor")
    return value


def _status_filter(values: list[str]) -> list[str]:
    wanted: list[str] = []
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if name == "open":
                wanted.extend(s.value for s in OPEN_STATUSES)
            elif name in Status.__members__:
                wanted.append(name)
            elif name:
                accepted = ", ".join(["open", *(s.value for s in Status)])
                raise InvalidInputError(
                    f"unknown status {part!r}; accepted: {accepted}", field="status"
                )
    return list(dict.fromkeys(wanted))


def list_incidents(
    db: Database,
    config: Config,
    now: datetime,
    *,
    status: list[str] | None = None,
    severity: list[str] | None = None,
    service: str | None = None,
    since: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> IncidentPage:
    query = select(Incident).order_by(Incident.id.desc()).limit(limit + 1)
    statuses = _status_filter(status or [])
    if statuses:
        query = query.where(Incident.status.in_(statuses))
    if severity:
        runbook = config.runbook_for([])
        names = [
            _severity(runbook, part).name
            for value in severity
            for part in value.split(",")
            if part.strip()
        ]
        query = query.where(Incident.severity.in_(names))
    if service:
        query = query.where(
            Incident.id.in_(
                select(IncidentService.incident_id).where(IncidentService.service == service)
            )
        )
    if since:
        try:
            query = query.where(Incident.declared_at >= rules.parse_since(since, now))
        except ValueError as exc:
            raise InvalidInputError(str(exc), field="since") from None
    if cursor:
        query = query.where(Incident.id < _decode_cursor(cursor))
    with db.read() as session:
        rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return IncidentPage(
            items=[present(session, row, config, now, with_facets=False) for row in rows],
            next_cursor=_encode_cursor(rows[-1].id) if more else None,
        )


def list_timeline(
    db: Database,
    ref: str,
    *,
    cursor: str | None = None,
    limit: int = 200,
    visibility: Visibility | None = None,
) -> TimelinePage:
    after = _decode_cursor(cursor) if cursor else 0
    with db.read() as session:
        incident = by_ref(session, ref)
        rows = timeline.events(
            session, incident.id, after_id=after, limit=limit + 1, visibility=visibility
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return TimelinePage(
            items=[TimelineEventOut.model_validate(r) for r in rows],
            next_cursor=_encode_cursor(rows[-1].id) if more else None,
        )
