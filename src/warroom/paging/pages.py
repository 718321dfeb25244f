"""Pages: one message to one person on one contact method, queued by an escalation step
(or a fallback, a warning) and sent by the `send_page` job, at most once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.auth.links import AckLinks
from warroom.config import Config
from warroom.db import Database, upsert_insert
from warroom.engine import service as engine
from warroom.engine.worker import Handler, JobRun, PermanentJobError
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.rules import Status
from warroom.notify import rules as throttle
from warroom.notify.sender import Message, Sender
from warroom.paging.models import Page
from warroom.paging.schemas import PageOut
from warroom.runbooks.durations import format_duration
from warroom.timeline import service as timeline

SEND_PAGE = "send_page"
ENGINE = "engine"  # the actor on events the engine writes


def load_incident(session: Session, incident_id: int | None, *, lock: bool = False) -> Incident:
    if incident_id is None:
        raise PermanentJobError("job has no incident")
    query = select(Incident).where(Incident.id == incident_id)
    incident = session.scalar(query.with_for_update() if lock else query)
    if incident is None:
        raise PermanentJobError(f"incident {incident_id} no longer exists")
    return incident


def paging_stopped(incident: Incident) -> bool:
    return incident.acknowledged_at is not None or incident.status == Status.resolved


def queue_pages(
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


def message_for(
    incident: Incident,
    person: str,
    links: AckLinks,
    reason: str,
    now: datetime | None = None,
) -> tuple[str, str]:
    title = f"[{incident.severity}] {incident.ref}: {incident.title}"
    lines = [
        f"{incident.severity} incident {incident.ref} — {incident.title}",
        f"Status: {incident.status}. Services: {', '.join(incident.service_names) or '—'}.",
        f"Channel: #{incident.ref}",
    ]
    if reason == "sla_warning":
        due = incident.response_due_at.strftime("%H:%M UTC") if incident.response_due_at else "?"
        lines.append(f"Not acknowledged yet; the response time runs out at {due}.")
    if reason == "notification":
        title = f"[{incident.severity}] FYI {incident.ref}: {incident.title}"
        lines.insert(0, "For your information (a notification, not a page).")
        lines.append(notification_state(incident, now or incident.declared_at))
        if incident.acknowledged_at is not None:
            return title, "\n".join(lines)  # someone is on it: nothing to acknowledge
    lines.append(f"Acknowledge: {links.url(incident, person)}")
    return title, "\n".join(lines)


def notification_state(incident: Incident, now: datetime) -> str:
    """How long the incident has been open and where it stands, in one sentence."""
    minutes = max(0, int((now - incident.declared_at).total_seconds() // 60))
    text = f"Open for {format_duration(timedelta(minutes=minutes))}, {incident.status}"
    if incident.acknowledged_at is not None:
        at = incident.acknowledged_at.strftime("%H:%M UTC")
        return f"{text}; acknowledged by {incident.acknowledged_by} at {at}."
    return f"{text}; not acknowledged yet."


def _wanted(reason: str, incident: Incident) -> bool:
    """Whether a queued page is still worth sending: a notification until the incident
    is resolved, an SLA warning always, a page until someone acknowledges."""
    if reason == "notification":
        return incident.status != Status.resolved
    return reason == "sla_warning" or not paging_stopped(incident)


def send_page_handler(sender: Sender, links: AckLinks) -> Handler:
    def run_send_page(run: JobRun) -> None:
        now = run.clock.now()
        with run.db.write() as session:
            page = session.scalar(select(Page).where(Page.key == run.job.payload["page"]))
            if page is None:
                raise PermanentJobError(f"page {run.job.payload['page']} does not exist")
            if page.status != "queued":
                return  # sent (or settled) by an earlier run: never twice
            incident = load_incident(session, page.incident_id)
            if not _wanted(page.reason, incident):
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
            title, body = message_for(incident, page.person, links, page.reason, now)
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
