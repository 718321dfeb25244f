"""A SEV-1 or SEV-2 whose first escalation step finds nobody to page pages a fallback
instead, and says so loudly: in the declare answer, on the timeline, in `/metrics`.

The fallback is `paging.fallback` from the configuration, else the team of the
incident's first service that has one, else the people flagged `admin`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.db import Database, upsert_insert
from warroom.engine.models import Job
from warroom.engine.rules import JobStatus
from warroom.incidents.models import Incident
from warroom.paging.escalation import rules as escalation
from warroom.paging.escalation.rules import Target
from warroom.paging.models import PagingGap
from warroom.paging.pages import ENGINE, queue_pages
from warroom.paging.policies import policy_for, severity_level
from warroom.paging.targets import resolve_targets
from warroom.timeline import service as timeline

log = logging.getLogger("warroom.paging")

FALLBACK_RANKS = frozenset({1, 2})  # the runbook's SEV-1 and SEV-2
GAP_OUTCOMES = ("fallback_paged", "nobody_paged")


@dataclass(frozen=True)
class Fallback:
    targets: list[Target]
    source: str  # where the choice came from, in words

    def describe(self) -> str:
        names = ", ".join(str(t) for t in self.targets) or "nobody"
        return f"{names} ({self.source})"


def fallback_for(config: Config, incident: Incident) -> Fallback:
    if config.paging.fallback:
        return Fallback([Target.parse(t) for t in config.paging.fallback], "paging.fallback")
    for name in incident.service_names:
        service = config.service(name)
        if service and service.team:
            return Fallback([Target("team", service.team)], f"the team of service {name}")
    admins = [Target("person", p.id) for p in config.people if p.admin]
    return Fallback(admins, "the people flagged admin")


def covered(session: Session, config: Config, incident: Incident) -> bool:
    """Whether the incident's severity is one that must reach someone (SEV-1, SEV-2)."""
    level = severity_level(session, config, incident)
    return level is not None and level.rank in FALLBACK_RANKS


def reachable(config: Config, people: list[str]) -> list[str]:
    """The people who have a way to be paged."""
    return [p for p in people if (person := config.person(p)) and person.contact_methods()]


def first_step_gap(
    session: Session, config: Config, incident: Incident, now: datetime
) -> str | None:
    """Why the first escalation step would page nobody now; None when it would reach
    someone."""
    policy = policy_for(config, incident.service_names)
    planned = escalation.plan(policy, incident.severity, incident.declared_at)
    if not planned:
        return f"escalation policy {policy.name} has no step for {incident.severity}"
    found = resolve_targets(session, config, incident, list(planned[0].step.targets), now)
    if reachable(config, found.people):
        return None
    return nobody_because(found.unresolved, found.people)


def nobody_because(unresolved: list[str], people: list[str]) -> str:
    silent = [f"{p} has no contact method" for p in people]
    return "; ".join([*unresolved, *silent]) or "nobody to page"


def declaration_warnings(
    session: Session, config: Config, incident: Incident, now: datetime
) -> list[str]:
    """What the declare answer says when a SEV-1/SEV-2 would page nobody first."""
    if not covered(session, config, incident):
        return []
    gap = first_step_gap(session, config, incident, now)
    if gap is None:
        return []
    fallback = fallback_for(config, incident)
    found = resolve_targets(session, config, incident, fallback.targets, now)
    people = reachable(config, found.people)
    if people:
        return [
            f"{incident.severity} with nobody to page first ({gap}): paging the fallback "
            f"{fallback.describe()} instead: {', '.join(people)}"
        ]
    return [
        f"{incident.severity} with nobody to page ({gap}), and the fallback "
        f"{fallback.describe()} reaches nobody either: set paging.fallback, give the "
        "service a team, or flag a person admin in the configuration"
    ]


def page_fallback(
    session: Session,
    config: Config,
    incident: Incident,
    *,
    gap: str,
    step: str,
    now: datetime,
    counted: bool = True,
) -> list[str]:
    """Page the fallback in place of a step that found nobody; record the gap (counted
    in `/metrics`, unless `counted` is off: a breach with no step left is not a first
    step that found nobody) and say so on the timeline. Returns who was paged."""
    fallback = fallback_for(config, incident)
    found = resolve_targets(session, config, incident, fallback.targets, now)
    unreachable = queue_pages(
        session, config, incident, found.people, reason="fallback", step=f"fallback:{step}", now=now
    )
    paged = [p for p in found.people if p not in unreachable]
    outcome = GAP_OUTCOMES[0] if paged else GAP_OUTCOMES[1]
    if counted:
        _record_gap(session, incident, step, gap, fallback, outcome, now)
    if paged:
        message = (
            f"Nobody to page ({gap}): paged the fallback {fallback.describe()} "
            f"instead: {', '.join(paged)}"
        )
    else:
        message = (
            f"Nobody to page ({gap}), and the fallback {fallback.describe()} reaches nobody "
            "either: set paging.fallback, give the service a team, or flag a person admin"
        )
    log.warning("%s %s: %s", incident.severity, incident.ref, message)
    timeline.record(
        session,
        incident_id=incident.id,
        kind="escalation_fallback",
        actor=ENGINE,
        at=now,
        data={
            "step": step,
            "gap": gap,
            "fallback": [str(t) for t in fallback.targets],
            "fallback_source": fallback.source,
            "people": paged,
            "message": message,
        },
    )
    return paged


def _record_gap(
    session: Session,
    incident: Incident,
    step: str,
    gap: str,
    fallback: Fallback,
    outcome: str,
    now: datetime,
) -> None:
    session.execute(
        upsert_insert(session)(PagingGap)
        .values(
            incident_id=incident.id,
            key=f"gap:{incident.id}:{step}",
            severity=incident.severity,
            reason=gap,
            fallback=fallback.describe(),
            outcome=outcome,
            occurred_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


def cover_raised(
    session: Session, config: Config, incident: Incident, job_key: str, step: str, now: datetime
) -> None:
    """Re-planned into SEV-1/SEV-2 (a raised severity, an alert firing again) after its
    first step already ran: if that step would find nobody now, the fallback is paged now,
    as the step would have done at this severity (once per step)."""
    if not covered(session, config, incident):
        return
    ran = session.scalar(
        select(Job.id).where(Job.key == job_key, Job.status == JobStatus.done.value)
    )
    already = session.scalar(
        select(PagingGap.id).where(PagingGap.key == f"gap:{incident.id}:{step}")
    )
    if ran is None or already is not None:
        return  # still to run (it checks then), or its gap was already covered
    gap = first_step_gap(session, config, incident, now)
    if gap is not None:
        page_fallback(session, config, incident, gap=gap, step=step, now=now)


def gap_counts(db: Database) -> dict[str, int]:
    """How many first steps found nobody, by outcome (for `/metrics`)."""
    with db.read() as session:
        rows = session.execute(
            select(PagingGap.outcome, func.count()).group_by(PagingGap.outcome)
        ).all()
    counts = dict.fromkeys(GAP_OUTCOMES, 0)
    counts.update({str(outcome): int(count) for outcome, count in rows})
    return counts
