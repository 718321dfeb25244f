"""Which escalation policy and severity level apply to an incident."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.paging.escalation import rules as escalation
from warroom.paging.escalation.rules import Policy
from warroom.runbooks import store as runbooks
from warroom.runbooks.model import SeverityLevel, UnknownSeverityError


def policy_for(config: Config, services: list[str]) -> Policy:
    """The first service's configured policy, else the runbook's escalation matrix."""
    for name in services:
        service = config.service(name)
        if service and service.escalation_policy:
            configured = config.escalation_policy(service.escalation_policy)
            if configured is not None:
                return configured.policy()
    return escalation.from_runbook(config.runbook_for(services).escalation, "runbook")


def severity_level(session: Session, config: Config, incident: Incident) -> SeverityLevel | None:
    """The incident's severity as its runbook defines it (rank, response time)."""
    runbook = (
        runbooks.load(session, incident.runbook_id)
        if incident.runbook_id is not None
        else config.runbook_for(incident.service_names)
    )
    try:
        return runbook.severity(incident.severity)
    except UnknownSeverityError:
        return None
