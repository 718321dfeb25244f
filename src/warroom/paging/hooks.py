"""What paging does when an incident changes (subscribed in `warroom.domains`): plan
escalation and the response clock's timers, fill the roles positions and schedules name,
stop paging when someone acknowledges, stop everything when it is resolved, and say so
when a severe incident would page nobody first."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.incidents.hooks import Change
from warroom.paging import fallback, service, staffing


def on_declared(change: Change) -> Sequence[str]:
    session, config, incident = change.session, change.config, change.incident
    service.plan_escalation(session, config, incident, change.now)
    service.plan_response_sla(session, incident, change.now, config=config)
    staffing.fill_at_declaration(session, config, incident, actor=change.actor, at=change.now)
    return fallback.declaration_warnings(session, config, incident, change.now)


def on_severity_changed(change: Change) -> None:
    service.plan_escalation(change.session, change.config, change.incident, change.now)
    service.plan_response_sla(change.session, change.incident, change.now, config=change.config)


def on_acknowledged(change: Change) -> None:
    service.on_acknowledged(change.session, change.incident, change.now)


def on_resolved(change: Change) -> None:
    service.on_resolved(change.session, change.incident)
