"""Which escalation policy, severity level and urgency apply to an incident."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.paging.escalation import rules as escalation
from warroom.paging.escalation.rules import Policy, Urgency
from warroom.runbooks import store as runbooks
from warroom.runbooks.model import Runbook, SeverityLevel, UnknownSeverityError


def policy_for(config: Config, services: list[str]) -> Policy:
    """The first service's configured policy, else the runbook's escalation matrix."""
    for name in services:
        service = config.service(name)
        if service and service.escalation_policy:
            configured = config.escalation_policy(service.escalation_policy)
            if configured is not None:
                return configured.policy()
    return escalation.from_runbook(config.runbook_for(services).escalation, "runbook")


def _runbook(session: Session, config: Config, incident: Incident) -> Runbook:
    if incident.runbook_id is not None:
        return runbooks.load(session, incident.runbook_id)
    return config.runbook_for(incident.service_names)


def severity_level(session: Session, config: Config, incident: Incident) -> SeverityLevel | None:
    """The incident's severity as its runbook defines it (rank, response time)."""
    try:
        return _runbook(session, config, incident).severity(incident.severity)
    except UnknownSeverityError:
        return None


def urgency_of(session: Session, config: Config, incident: Incident) -> Urgency:
    """`paging.urgency` for the incident's severity (any spelling the runbook reads),
    else low when its runbook gives the response time in business days."""
    runbook = _runbook(session, config, incident)
    configured: dict[str, Urgency] = {}
    for name, value in config.paging.urgency.items():
        try:
            configured[runbook.severity(name).name] = value
        except UnknownSeverityError:
            continue  # a severity this runbook does not have
    level = severity_level(session, config, incident)
    in_days = level is not None and level.next_business_day
    return escalation.urgency(incident.severity, in_days, configured)
