"""Paging: planning escalations and SLA timers with an incident's changes, and running them.

Planning functions take the caller's session, so the jobs commit with the change that
implies them (declare, severity change, acknowledge, resolve). Job handlers run in the
worker and are idempotent: each checks the state it is about to change first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from warroom.auth.links import AckLinks
from warroom.config import Config
from warroom.engine import service as engine
from warroom.engine.worker import GiveUp, Handler, JobRun
from warroom.incidents import roles
from warroom.incidents.models import Incident
from warroom.incidents.rules import Status
from warroom.notify.sender import Sender
from warroom.paging import fallback, sla
from warroom.paging.escalation import rules as escalation
from warroom.paging.escalation.rules import Target
from warroom.paging.models import Page
from warroom.paging.pages import (
    ENGINE,
    SEND_PAGE,
    load_incident,
    page_failed,
    paging_stopped,
    queue_pages,
    send_page_handler,
)
from warroom.paging.policies import policy_for, urgency_of
from warroom.paging.targets import resolve_targets
from warroom.timeline import service as timeline

log = logging.getLogger("warroom.paging")

ESCALATION = "escalation_step"  # a step that pages: stops at the acknowledgement
NOTIFY_STEP = "escalation_notify"  # a step that notifies: runs until resolved
SLA_WARNING = "sla_warning"
SLA_BREACH = "sla_breach"
SLA_WARNING_AT = 0.8  # tell the commander at 80 % of the response time
# The job kinds paging runs; SEND_PAGE lives with the pages it sends.
__all__ = ["ESCALATION", "NOTIFY_STEP", "SEND_PAGE", "SLA_BREACH", "SLA_WARNING"]


def _job_key(incident_id: int, planned_key: str) -> str:
    return f"esc:{incident_id}:{planned_key}"


# --- planning (inside the caller's transaction) --------------------------------------


def plan_escalation(session: Session, config: Config, incident: Incident, now: datetime) -> None:
    """Plan (or re-plan, on a severity change) the escalation of an open incident: every
    step of its severity, or once acknowledged the notification steps alone."""
    engine.cancel(session, incident_id=incident.id, kinds=[ESCALATION, NOTIFY_STEP])
    if incident.status == Status.resolved:
        return
    policy = policy_for(config, incident.service_names)
    acknowledged = incident.acknowledged_at is not None
    calendar = config.business_calendar
    low = urgency_of(session, config, incident) == "low"
    planned = escalation.plan(
        policy,
        incident.severity,
        incident.declared_at,
        acknowledged=acknowledged,
        defer=calendar.next_open if low else None,
    )
    if low and planned and not calendar.is_open(max(now, incident.declared_at)):
        _say_deferred(session, config, incident, planned[0].due_at, now)
    for i, step in enumerate(planned):
        following = planned[i + 1] if i + 1 < len(planned) else None
        engine.enqueue(
            session,
            kind=ESCALATION if step.step.action == "page" else NOTIFY_STEP,
            key=_job_key(incident.id, step.key),
            due_at=step.due_at,
            now=now,
            incident_id=incident.id,
            payload={
                "policy": policy.name,
                "step": step.step.index,
                "round": step.round,
                "label": step.step.label,
                "action": step.step.action,
                "targets": [str(t) for t in step.step.targets],
                "next": _job_key(incident.id, following.key) if following else None,
                "first": i == 0 and not acknowledged,
            },
        )
    if planned and not acknowledged:
        first = planned[0].key
        fallback.cover_raised(session, config, incident, _job_key(incident.id, first), first, now)


def _say_deferred(
    session: Session, config: Config, incident: Incident, first: datetime, now: datetime
) -> None:
    calendar = config.business_calendar
    local = first.astimezone(calendar.zone)
    message = (
        f"{incident.severity} is low urgency: paging waits for business hours; the first "
        f"step is due {local:%a %Y-%m-%d %H:%M} {calendar.timezone}"
    )
    timeline.record(
        session,
        incident_id=incident.id,
        kind="escalation_deferred",
        actor=ENGINE,
        at=now,
        data={"urgency": "low", "first_due_at": first.isoformat(), "message": message},
    )


def plan_response_sla(
    session: Session, incident: Incident, now: datetime, *, config: Config | None = None
) -> None:
    """The 80 % warning and the breach; given the config, a low-urgency severity's
    timers wait for business hours (a warning that would then come after the due time
    is dropped)."""
    engine.cancel(session, incident_id=incident.id, kinds=[SLA_WARNING, SLA_BREACH])
    due = incident.response_due_at
    if due is None or incident.acknowledged_at is not None or incident.status == Status.resolved:
        return
    warn_at = incident.declared_at + (due - incident.declared_at) * SLA_WARNING_AT
    stamp = due.strftime("%Y%m%dT%H%M%S")
    # A response at exactly the due time is in time; the breach is the second after.
    breach_at = due + timedelta(seconds=1)
    if config is not None and urgency_of(session, config, incident) == "low":
        warn_at = config.business_calendar.next_open(warn_at)
        breach_at = config.business_calendar.next_open(breach_at)  # it pages someone
    timers = [(SLA_WARNING, warn_at)] if warn_at < due else []
    for kind, at in [*timers, (SLA_BREACH, breach_at)]:
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
    """Acknowledging stops paging: pending paging steps, reminders and unsent pages stop;
    notification steps keep their time (the runbook's leads and executives are told)."""
    engine.cancel(session, incident_id=incident.id, kinds=[ESCALATION, SLA_WARNING, SLA_BREACH])
    session.execute(
        update(Page)
        .where(Page.incident_id == incident.id, Page.status == "sent")
        .values(status="acknowledged", acknowledged_at=now)
    )


def on_alerts_quiet(session: Session, incident: Incident) -> None:
    """Every alert of an alert-opened incident resolved: its pending paging and
    notification steps and response-SLA timers stop (pages already queued still go);
    `plan_escalation` plans them again if an alert fires again."""
    engine.cancel(
        session,
        incident_id=incident.id,
        kinds=[ESCALATION, NOTIFY_STEP, SLA_WARNING, SLA_BREACH],
    )


def on_resolved(session: Session, incident: Incident) -> None:
    engine.cancel(
        session,
        incident_id=incident.id,
        kinds=[ESCALATION, NOTIFY_STEP, SLA_WARNING, SLA_BREACH, SEND_PAGE],
    )


# --- handlers (run in the worker) -----------------------------------------------------


def run_escalation_step(run: JobRun) -> None:
    payload = run.job.payload
    now = run.clock.now()
    with run.db.write() as session:
        incident = load_incident(session, run.job.incident_id, lock=True)
        notify = payload.get("action") == "notify"
        if incident.status == Status.resolved or (not notify and paging_stopped(incident)):
            return
        targets = [Target.parse(t) for t in payload["targets"]]
        found = resolve_targets(session, run.config, incident, targets, now)
        step = f"r{payload['round']}s{payload['step']}"
        roles.on_paged(session, run.config, incident, payload, found.people, ENGINE, now)
        reason = "notification" if notify else "escalation"
        unreachable = queue_pages(
            session, run.config, incident, found.people, reason=reason, step=step, now=now
        )
        data: dict[str, Any] = {
            "policy": payload["policy"],
            "step": payload["step"],
            "round": payload["round"],
            "label": payload["label"],
            "action": "notify" if notify else "page",
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
        if len(unreachable) < len(found.people):
            return
        gap = fallback.nobody_because(found.unresolved, found.people)
        if payload.get("first") and fallback.covered(session, run.config, incident):
            paged = fallback.page_fallback(
                session, run.config, incident, gap=gap, step=step, now=now
            )
            if paged:
                return
        if payload.get("next") and not paging_stopped(incident):
            # Nobody to page at this step and nobody has answered: go to the next one now.
            engine.bring_forward(session, payload["next"], now)
            timeline.record(
                session,
                incident_id=incident.id,
                kind="escalation_skipped",
                actor=ENGINE,
                at=now,
                data={"step": payload["step"], "reason": gap},
            )


def run_sla_breach(run: JobRun) -> None:
    sla.breach(run, [ESCALATION, NOTIFY_STEP])


def handlers(sender: Sender, links: AckLinks) -> dict[str, Handler]:
    return {
        ESCALATION: run_escalation_step,
        NOTIFY_STEP: run_escalation_step,
        SEND_PAGE: send_page_handler(sender, links),
        SLA_WARNING: sla.run_sla_warning,
        SLA_BREACH: run_sla_breach,
    }


def give_up_hooks() -> dict[str, GiveUp]:
    return {SEND_PAGE: page_failed}


def page_for_alert(
    session: Session, config: Config, incident: Incident, occurrence: str, now: datetime
) -> None:
    """An alert joined an open incident under a re-paging rule: page the first step again
    (a low-urgency incident outside business hours waits for its planned steps)."""
    if urgency_of(session, config, incident) == "low" and not config.business_calendar.is_open(now):
        return
    policy = policy_for(config, incident.service_names)
    planned = escalation.plan(policy, incident.severity, incident.declared_at)
    if not planned:
        return
    found = resolve_targets(session, config, incident, list(planned[0].step.targets), now)
    queue_pages(
        session, config, incident, found.people, reason="alert", step=f"alert:{occurrence}", now=now
    )
