"""Paging: planning escalations and SLA timers with an incident's changes, and running them.

Planning functions take the caller's session, so the jobs commit with the change that
implies them (declare, severity change, acknowledge, resolve). Job handlers run in the
worker and are idempotent: each checks the state it is about to change first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from warroom.auth.links import AckLinks
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database, upsert_insert
from warroom.engine import service as engine
from warroom.engine.worker import GiveUp, Handler, JobRun, PermanentJobError
from warroom.errors import InvalidInputError, NotFoundError
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import Status
from warroom.paging.escalation import rules as escalation
from warroom.paging.escalation.rules import Policy, Target
from warroom.paging.models import Page, ScheduleOverride
from warroom.paging.notify import rules as throttle
from warroom.paging.notify.sender import Message, Sender
from warroom.paging.oncall.ical import to_ical
from warroom.paging.oncall.model import Override, Schedule
from warroom.paging.oncall.rules import Shift, on_call_at, shifts
from warroom.paging.schemas import (
    OnCallOut,
    OverrideIn,
    OverrideOut,
    PageOut,
    ScheduleOut,
    ShiftOut,
)
from warroom.timeline import service as timeline

log = logging.getLogger("warroom.paging")

ESCALATION = "escalation_step"
SEND_PAGE = "send_page"
SLA_WARNING = "sla_warning"
SLA_BREACH = "sla_breach"
SLA_WARNING_AT = 0.8  # tell the commander at 80 % of the response time
ENGINE = "engine"  # the actor on events the engine writes


# --- which policy --------------------------------------------------------------------


def policy_for(config: Config, services: list[str]) -> Policy:
    """The first service's configured policy, else the runbook's escalation matrix."""
    for name in services:
        service = config.service(name)
        if service and service.escalation_policy:
            configured = config.escalation_policy(service.escalation_policy)
            if configured is not None:
                return configured.policy()
    return escalation.from_runbook(config.runbook_for(services).escalation, "runbook")


def _job_key(incident_id: int, planned_key: str) -> str:
    return f"esc:{incident_id}:{planned_key}"


# --- planning (inside the caller's transaction) --------------------------------------


def plan_escalation(session: Session, config: Config, incident: Incident, now: datetime) -> None:
    """Plan (or re-plan) the escalation of an unacknowledged, open incident."""
    engine.cancel(session, incident_id=incident.id, kinds=[ESCALATION])
    if incident.acknowledged_at is not None or incident.status == Status.resolved:
        return
    policy = policy_for(config, incident.service_names)
    planned = escalation.plan(policy, incident.severity, incident.declared_at)
    for i, step in enumerate(planned):
        following = planned[i + 1] if i + 1 < len(planned) else None
        engine.enqueue(
            session,
            kind=ESCALATION,
            key=_job_key(incident.id, step.key),
            due_at=step.due_at,
            now=now,
            incident_id=incident.id,
            payload={
                "policy": policy.name,
                "step": step.step.index,
                "round": step.round,
                "label": step.step.label,
                "targets": [str(t) for t in step.step.targets],
                "next": _job_key(incident.id, following.key) if following else None,
            },
        )


def plan_response_sla(session: Session, incident: Incident, now: datetime) -> None:
    engine.cancel(session, incident_id=incident.id, kinds=[SLA_WARNING, SLA_BREACH])
    due = incident.response_due_at
    if due is None or incident.acknowledged_at is not None or incident.status == Status.resolved:
        return
    warn_at = incident.declared_at + (due - incident.declared_at) * SLA_WARNING_AT
    stamp = due.strftime("%Y%m%dT%H%M%S")
    # A response at exactly the due time is in time; the breach is the second after.
    for kind, at in ((SLA_WARNING, warn_at), (SLA_BREACH, due + timedelta(seconds=1))):
        engine.enqueue(
            session,
            kind=kind,
            key=f"{kind}:{incident.id}:{stamp}",
            due_at=at,
            now=now,
            incident_id=incident.id,
            payload={"response_due_at": due.isoformat()},
        )


def on_acknowledged(session: Session, incident: Incident, now: datetime) -> None:
    """Acknowledging stops paging: pending steps, reminders and unsent pages stop."""
    engine.cancel(session, incident_id=incident.id, kinds=[ESCALATION, SLA_WARNING, SLA_BREACH])
    session.execute(
        update(Page)
        .where(Page.incident_id == incident.id, Page.status == "sent")
        .values(status="acknowledged", acknowledged_at=now)
    )


def on_resolved(session: Session, incident: Incident) -> None:
    engine.cancel(
        session, incident_id=incident.id, kinds=[ESCALATION, SLA_WARNING, SLA_BREACH, SEND_PAGE]
    )


# --- resolving targets to people -----------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    people: list[str]
    unresolved: list[str]  # targets with nobody behind them, and why


def resolve_targets(
    session: Session, config: Config, incident: Incident, targets: list[Target], now: datetime
) -> Resolution:
    people: list[str] = []
    unresolved: list[str] = []
    roles = {r.role: r.person for r in incident.roles}

    def add(target: Target, depth: int = 0) -> None:
        found = _people_for(session, config, incident, roles, target, now, depth, add)
        if found is None:
            return
        if found:
            people.extend(p for p in found if p not in people)
        else:
            unresolved.append(_nobody(config, target))

    for target in targets:
        add(target)
    return Resolution(people, unresolved)


def _people_for(
    session: Session,
    config: Config,
    incident: Incident,
    roles: dict[str, str],
    target: Target,
    now: datetime,
    depth: int,
    add: Any,
) -> list[str] | None:
    """People behind a target; None when it delegated to another target via `add`."""
    if target.kind == "person":
        return [target.name]
    if target.kind == "role":
        return [roles[target.name]] if target.name in roles else []
    if target.kind == "team":
        team = config.team(target.name)
        return list(team.members) if team else []
    if target.kind == "schedule":
        schedule = effective_schedule(session, config, target.name)
        person = on_call_at(schedule, now) if schedule else None
        return [person] if person else []
    # A runbook position: the incident's holder of that role, else the configured mapping,
    # else (for the on-call engineer) the schedule of the incident's first service with one.
    if target.name in roles:
        return [roles[target.name]]
    mapped = config.positions.get(target.name)
    if mapped and depth < 3:
        add(Target.parse(mapped), depth + 1)
        return None
    if target.name in ("on_call_engineer", "on_call"):
        for name in incident.service_names:
            service = config.service(name)
            if service and service.schedule:
                add(Target("schedule", service.schedule), depth + 1)
                return None
    return []


def _nobody(config: Config, target: Target) -> str:
    if target.kind == "schedule":
        return f"nobody is on call for schedule {target.name}"
    if target.kind == "position" and target.name not in config.positions:
        return f"no one is configured as {target.name} (set positions.{target.name})"
    return f"nobody to page for {target}"


# --- handlers (run in the worker) -----------------------------------------------------


def _load(session: Session, incident_id: int | None, *, lock: bool = False) -> Incident:
    if incident_id is None:
        raise PermanentJobError("job has no incident")
    query = select(Incident).where(Incident.id == incident_id)
    incident = session.scalar(query.with_for_update() if lock else query)
    if incident is None:
        raise PermanentJobError(f"incident {incident_id} no longer exists")
    return incident


def _stopped(incident: Incident) -> bool:
    return incident.acknowledged_at is not None or incident.status == Status.resolved


def _queue_pages(
    session: Session,
    config: Config,
    incident: Incident,
    people: list[str],
    *,
    reason: str,
    step: str,
    now: datetime,
) -> list[str]:
    """A Page and a send job per person and contact method; returns who had no method."""
    insert = upsert_insert(session)
    unreachable = []
    for person_id in people:
        person = config.person(person_id)
        methods = person.contact_methods() if person else []
        if not methods:
            unreachable.append(person_id)
        for index, method in enumerate(methods):
            key = f"page:{incident.id}:{step}:{person_id}:{index}"
            session.execute(
                insert(Page)
                .values(
                    incident_id=incident.id,
                    key=key,
                    reason=reason,
                    step=step,
                    person=person_id,
                    method=method.label,
                    method_index=index,
                    status="queued",
                    queued_at=now,
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
            engine.enqueue(
                session,
                kind=SEND_PAGE,
                key=f"send:{key}",
                due_at=now,
                now=now,
                incident_id=incident.id,
                payload={"page": key},
            )
    return unreachable


def run_escalation_step(run: JobRun) -> None:
    payload = run.job.payload
    now = run.clock.now()
    with run.db.write() as session:
        incident = _load(session, run.job.incident_id, lock=True)
        if _stopped(incident):
            return
        targets = [Target.parse(t) for t in payload["targets"]]
        found = resolve_targets(session, run.config, incident, targets, now)
        step = f"r{payload['round']}s{payload['step']}"
        unreachable = _queue_pages(
            session, run.config, incident, found.people, reason="escalation", step=step, now=now
        )
        data: dict[str, Any] = {
            "policy": payload["policy"],
            "step": payload["step"],
            "round": payload["round"],
            "label": payload["label"],
            "targets": payload["targets"],
            "people": found.people,
        }
        if found.unresolved:
            data["unresolved"] = found.unresolved
        if unreachable:
            data["no_contact_method"] = unreachable
        timeline.record(
            session,
            incident_id=incident.id,
            kind="escalation_step",
            actor=ENGINE,
            at=now,
            data=data,
        )
        if not found.people and payload.get("next"):
            # Nobody to page at this step: do not wait, go to the next one now.
            engine.bring_forward(session, payload["next"], now)
            timeline.record(
                session,
                incident_id=incident.id,
                kind="escalation_skipped",
                actor=ENGINE,
                at=now,
                data={"step": payload["step"], "reason": "; ".join(found.unresolved)},
            )


def _recent_sends(
    session: Session, page: Page, since: datetime
) -> tuple[list[datetime], list[datetime]]:
    rows = session.execute(
        select(Page.incident_id, Page.sent_at).where(
            Page.person == page.person,
            Page.method == page.method,
            Page.sent_at.is_not(None),
            Page.sent_at >= since,
        )
    ).all()
    same = [sent for incident_id, sent in rows if incident_id == page.incident_id and sent]
    return same, [sent for _, sent in rows if sent]


def message_for(incident: Incident, person: str, links: AckLinks, reason: str) -> tuple[str, str]:
    title = f"[{incident.severity}] {incident.ref}: {incident.title}"
    lines = [
        f"{incident.severity} incident {incident.ref} — {incident.title}",
        f"Status: {incident.status}. Services: {', '.join(incident.service_names) or '—'}.",
        f"Channel: #{incident.ref}",
    ]
    if reason == "sla_warning":
        due = incident.response_due_at.strftime("%H:%M UTC") if incident.response_due_at else "?"
        lines.append(f"Not acknowledged yet; the response time runs out at {due}.")
    lines.append(f"Acknowledge: {links.url(incident, person)}")
    return title, "\n".join(lines)


def send_page_handler(sender: Sender, links: AckLinks) -> Handler:
    def run_send_page(run: JobRun) -> None:
        now = run.clock.now()
        with run.db.write() as session:
            page = session.scalar(select(Page).where(Page.key == run.job.payload["page"]))
            if page is None:
                raise PermanentJobError(f"page {run.job.payload['page']} does not exist")
            if page.status != "queued":
                return  # sent (or settled) by an earlier run: never twice
            incident = _load(session, page.incident_id)
            if page.reason != "sla_warning" and _stopped(incident):
                page.status = "cancelled"
                return
            limits = run.config.notifications.throttle
            window = max(limits.per_incident_seconds, limits.burst_window_seconds)
            same, everything = _recent_sends(session, page, now - timedelta(seconds=window))
            decision = throttle.decide(limits, now, same, everything)
            if not decision.allowed:
                page.status = "suppressed"
                page.error = decision.reason
                session.flush()
                suppressed = session.scalar(
                    select(func.count()).where(
                        Page.incident_id == incident.id, Page.status == "suppressed"
                    )
                )
                timeline.record(
                    session,
                    incident_id=incident.id,
                    kind="page_suppressed",
                    actor=ENGINE,
                    at=now,
                    data={
                        "person": page.person,
                        "method": page.method,
                        "reason": decision.reason,
                        "suppressed_total": int(suppressed or 0),
                    },
                )
                return
            person = run.config.person(page.person)
            methods = person.contact_methods() if person else []
            if page.method_index >= len(methods):
                raise PermanentJobError(f"{page.person} has no contact method {page.method_index}")
            method = methods[page.method_index]
            title, body = message_for(incident, page.person, links, page.reason)
            ref, step, person_id, label = incident.ref, page.step, page.person, page.method
        # Send outside the transaction: a slow mail server must not hold a database lock.
        sender.send(method, Message(title=title, body=body, key=run.job.payload["page"]))
        _settle(
            run,
            "sent",
            lambda page: {"ref": ref, "person": person_id, "method": label, "step": step},
        )

    return run_send_page


def page_failed(run: JobRun, error: str) -> None:
    """The last try failed: the page is failed, and the timeline says so."""
    _settle(
        run,
        "failed",
        lambda page: {"person": page.person, "method": page.method, "error": error[:500]},
        error=error,
    )


def _settle(
    run: JobRun,
    status: str,
    describe: Callable[[Page], dict[str, Any]],
    *,
    error: str | None = None,
) -> None:
    """Move a still-queued page to `status` and record `page_<status>` on the timeline."""
    now = run.clock.now()
    with run.db.write() as session:
        page = session.scalar(
            select(Page).where(Page.key == run.job.payload["page"]).with_for_update()
        )
        if page is None or page.status != "queued":
            return  # settled by an earlier run
        page.status, page.error = status, error
        if status == "sent":
            page.sent_at = now
        timeline.record(
            session,
            incident_id=page.incident_id,
            kind=f"page_{status}",
            actor=ENGINE,
            at=now,
            data=describe(page),
        )


def run_sla_warning(run: JobRun) -> None:
    now = run.clock.now()
    with run.db.write() as session:
        incident = _load(session, run.job.incident_id, lock=True)
        if _stopped(incident):
            return
        commander = next((r.person for r in incident.roles if r.role == "incident_commander"), None)
        people = [commander] if commander else []
        unreachable = _queue_pages(
            session, run.config, incident, people, reason="sla_warning", step="sla_warning", now=now
        )
        timeline.record(
            session,
            incident_id=incident.id,
            kind="response_sla_warning",
            actor=ENGINE,
            at=now,
            data={
                "response_due_at": run.job.payload["response_due_at"],
                "told": [p for p in people if p not in unreachable],
            },
        )


def run_sla_breach(run: JobRun) -> None:
    now = run.clock.now()
    with run.db.write() as session:
        incident = _load(session, run.job.incident_id, lock=True)
        if _stopped(incident):
            return
        timeline.record(
            session,
            incident_id=incident.id,
            kind="response_sla_breached",
            actor=ENGINE,
            at=now,
            data={"response_due_at": run.job.payload["response_due_at"]},
        )


def handlers(sender: Sender, links: AckLinks) -> dict[str, Handler]:
    return {
        ESCALATION: run_escalation_step,
        SEND_PAGE: send_page_handler(sender, links),
        SLA_WARNING: run_sla_warning,
        SLA_BREACH: run_sla_breach,
    }


def give_up_hooks() -> dict[str, GiveUp]:
    return {SEND_PAGE: page_failed}


def list_pages(db: Database, incident_id: int) -> list[Page]:
    with db.read() as session:
        return list(
            session.scalars(select(Page).where(Page.incident_id == incident_id).order_by(Page.id))
        )


# --- schedules (read-only faces of the on-call rules) ---------------------------------


def effective_schedule(session: Session, config: Config, name: str) -> Schedule | None:
    """The configured schedule with the overrides added through the API on top."""
    schedule = config.schedule(name)
    if schedule is None:
        return None
    rows = session.scalars(
        select(ScheduleOverride)
        .where(ScheduleOverride.schedule == name)
        .order_by(ScheduleOverride.id)
    ).all()
    if not rows:
        return schedule
    extra = [Override(person=r.person, start=r.starts_at, end=r.ends_at) for r in rows]
    return schedule.model_copy(update={"overrides": [*schedule.overrides, *extra]})


def _schedule(session: Session, config: Config, name: str) -> Schedule:
    config.check_schedule(name)
    schedule = effective_schedule(session, config, name)
    assert schedule is not None  # configured, as just checked
    return schedule


def schedules(db: Database, config: Config, now: datetime) -> list[ScheduleOut]:
    with db.read() as session:
        return [
            ScheduleOut(
                name=s.name,
                timezone=s.timezone,
                layers=[layer.name for layer in s.layers],
                on_call_now=on_call_at(_schedule(session, config, s.name), now),
            )
            for s in config.schedules
        ]


def who_is_on_call(db: Database, config: Config, name: str, at: datetime) -> OnCallOut:
    with db.read() as session:
        return OnCallOut(
            schedule=name, at=at, person=on_call_at(_schedule(session, config, name), at)
        )


MAX_SHIFT_SPAN = timedelta(days=366)


def _shifts(db: Database, config: Config, name: str, start: datetime, end: datetime) -> list[Shift]:
    if end <= start:
        raise InvalidInputError("the end must be after the start", field="next")
    if end - start > MAX_SHIFT_SPAN:
        raise InvalidInputError("at most a year of shifts at a time", field="next")
    with db.read() as session:
        return shifts(_schedule(session, config, name), start, end)


def schedule_shifts(
    db: Database, config: Config, name: str, start: datetime, end: datetime
) -> list[ShiftOut]:
    found = _shifts(db, config, name, start, end)
    return [ShiftOut(person=s.person, start=s.start, end=s.end) for s in found]


def schedule_ical(db: Database, config: Config, name: str, start: datetime, end: datetime) -> bytes:
    return to_ical(name, _shifts(db, config, name, start, end), generated_at=start)


def add_override(db: Database, ctx: Context, name: str, data: OverrideIn) -> OverrideOut:
    ctx.config.check_schedule(name)
    ctx.config.check_person(data.person)
    if data.end <= data.start:
        raise InvalidInputError("the override must end after it starts", field="end")
    with db.write() as session:
        row = ScheduleOverride(
            schedule=name,
            person=data.person,
            starts_at=data.start,
            ends_at=data.end,
            reason=data.reason,
            created_by=ctx.actor,
            created_at=ctx.now,
        )
        session.add(row)
        session.flush()
        return _override_out(row)


def _override_out(row: ScheduleOverride) -> OverrideOut:
    return OverrideOut(
        id=row.id,
        schedule=row.schedule,
        person=row.person,
        start=row.starts_at,
        end=row.ends_at,
        reason=row.reason,
        created_by=row.created_by,
    )


def list_overrides(db: Database, name: str, now: datetime) -> list[OverrideOut]:
    with db.read() as session:
        rows = session.scalars(
            select(ScheduleOverride)
            .where(ScheduleOverride.schedule == name, ScheduleOverride.ends_at > now)
            .order_by(ScheduleOverride.starts_at)
        )
        return [_override_out(r) for r in rows]


def delete_override(db: Database, name: str, override_id: int) -> None:
    with db.write() as session:
        row = session.get(ScheduleOverride, override_id)
        if row is None or row.schedule != name:
            raise NotFoundError(f"no override {override_id} on {name}", field="override")
        session.delete(row)


def pages_of(db: Database, ref: str) -> list[PageOut]:
    with db.read() as session:
        incident = by_ref(session, ref)
        rows = session.scalars(
            select(Page).where(Page.incident_id == incident.id).order_by(Page.id)
        )
        return [
            PageOut(
                person=p.person,
                method=p.method,
                reason=p.reason,
                step=p.step,
                status=p.status,
                queued_at=p.queued_at,
                sent_at=p.sent_at,
                acknowledged_at=p.acknowledged_at,
                error=p.error,
            )
            for p in rows
        ]


def page_for_alert(
    session: Session, config: Config, incident: Incident, occurrence: str, now: datetime
) -> None:
    """An alert joined an open incident under a re-paging rule: page the first step again."""
    policy = policy_for(config, incident.service_names)
    planned = escalation.plan(policy, incident.severity, incident.declared_at)
    if not planned:
        return
    found = resolve_targets(session, config, incident, list(planned[0].step.targets), now)
    _queue_pages(
        session, config, incident, found.people, reason="alert", step=f"alert:{occurrence}", now=now
    )
