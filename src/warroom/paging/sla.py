"""The response SLA's timers, run in the worker: the 80 % warning reaches a person, and a
breach pages the next escalation step at once (or the fallback), saying so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.rules import JobStatus
from warroom.engine.worker import JobRun
from warroom.incidents.models import Incident
from warroom.paging import fallback
from warroom.paging.escalation.rules import Target
from warroom.paging.pages import ENGINE, load_incident, paging_stopped, queue_pages
from warroom.paging.targets import resolve_targets
from warroom.timeline import service as timeline

ON_CALL = Target("position", "on_call_engineer")


def warning_recipients(
    session: Session, config: Config, incident: Incident, now: datetime
) -> tuple[list[str], str]:
    """Who hears of the 80 % warning, and who they are in words: the commander when a
    configured person (an alert-opened incident's commander is its integration, a CLI
    declaration's may be a token's name), else the on-call engineer, else the fallback."""
    commander = next((r.person for r in incident.roles if r.role == "incident_commander"), None)
    if commander and fallback.reachable(config, [commander]):
        return [commander], "the incident commander"
    why = f" ({commander}, the commander, is not a person to page)" if commander else ""
    found = resolve_targets(session, config, incident, [ON_CALL], now)
    people = fallback.reachable(config, found.people)
    if people:
        return people, f"the on-call engineer{why}"
    chosen = fallback.fallback_for(config, incident)
    found = resolve_targets(session, config, incident, chosen.targets, now)
    return fallback.reachable(config, found.people), f"the fallback {chosen.describe()}{why}"


def _due_words(payload: dict[str, object]) -> str:
    due = datetime.fromisoformat(str(payload["response_due_at"]))
    return due.strftime("%Y-%m-%d %H:%M UTC")


def run_sla_warning(run: JobRun) -> None:
    now = run.clock.now()
    with run.db.write() as session:
        incident = load_incident(session, run.job.incident_id, lock=True)
        if paging_stopped(incident):
            return
        people, who = warning_recipients(session, run.config, incident, now)
        unreachable = queue_pages(
            session, run.config, incident, people, reason="sla_warning", step="sla_warning", now=now
        )
        told = [p for p in people if p not in unreachable]
        due = _due_words(run.job.payload)
        message = (
            f"80 % of the response time is gone (due {due}), not acknowledged: warned "
            f"{', '.join(told)}, {who}"
            if told
            else f"80 % of the response time is gone (due {due}), not acknowledged: "
            f"nobody to warn ({who} reaches nobody)"
        )
        timeline.record(
            session,
            incident_id=incident.id,
            kind="response_sla_warning",
            actor=ENGINE,
            at=now,
            data={
                "response_due_at": run.job.payload["response_due_at"],
                "told": told,
                "message": message,
            },
        )


def _next_step(session: Session, incident: Incident, kinds: list[str]) -> Job | None:
    return session.scalar(
        select(Job)
        .where(
            Job.incident_id == incident.id,
            Job.kind.in_(kinds),
            Job.status == JobStatus.pending.value,
        )
        .order_by(Job.due_at, Job.id)
        .limit(1)
    )


def breach(run: JobRun, step_kinds: list[str]) -> None:
    """The response time ran out with nobody acknowledging: the next escalation step is
    due now; with none left, the fallback is paged."""
    now = run.clock.now()
    with run.db.write() as session:
        incident = load_incident(session, run.job.incident_id, lock=True)
        if paging_stopped(incident):
            return
        due = _due_words(run.job.payload)
        step = _next_step(session, incident, step_kinds)
        data: dict[str, object] = {"response_due_at": run.job.payload["response_due_at"]}
        if step is not None:
            engine.bring_forward(session, step.key, now)
            label = str(step.payload.get("label") or step.key)
            data["brought_forward"] = label
            data["message"] = (
                f"Response time ran out at {due} with nobody acknowledging: the next "
                f"escalation step ({label}) is paged now"
            )
        else:
            data["message"] = (
                f"Response time ran out at {due} with nobody acknowledging and no escalation "
                "step left: the fallback is paged"
            )
        timeline.record(
            session,
            incident_id=incident.id,
            kind="response_sla_breached",
            actor=ENGINE,
            at=now,
            data=data,
        )
        if step is None:
            gap = "the response time ran out with no escalation step left"
            fallback.page_fallback(
                session,
                run.config,
                incident,
                gap=gap,
                step="sla_breach",
                now=now,
                counted=False,
            )
