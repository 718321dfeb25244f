"""Who is behind an escalation target at a moment: people, schedules, teams, roles, and
the runbook's positions (engineering_lead, vp_engineering) mapped in configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.paging.escalation.rules import Target
from warroom.paging.models import ScheduleOverride
from warroom.paging.oncall.model import Override, Schedule
from warroom.paging.oncall.rules import on_call_at


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
    add: Callable[[Target, int], None],
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
        if target.name in ("on_call_engineer", "on_call"):
            return (
                "no on-call engineer: the incident's services have no schedule "
                f"(set positions.{target.name} or a service's schedule)"
            )
        return f"no one is configured as {target.name} (set positions.{target.name})"
    return f"nobody to page for {target}"


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
