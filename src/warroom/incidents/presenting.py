"""An incident as the API answers it: its state read against its runbook (roles still
missing, phase deadline, the assessment questions), and the parts other domains give
through facets (`incidents.facets`: tasks done and overdue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents import facets, rules
from warroom.incidents.changes import runbook_of
from warroom.incidents.models import Incident
from warroom.incidents.rules import ASSESSMENT_FIELDS, ROLES, Status
from warroom.incidents.schemas import Assessment, IncidentOut, Question, RunbookRef
from warroom.runbooks import deadlines
from warroom.runbooks.model import Runbook


def questions(incident: Incident, runbook: Runbook) -> list[Question]:
    phase_questions = [q for phase in runbook.phases for q in phase.questions]
    answers = incident.answers or {}
    fields = incident.assessment()
    out = []
    for question in phase_questions:
        key = rules.question_key(question)
        answer = fields[key] if key in ASSESSMENT_FIELDS else answers.get(key)
        out.append(Question(key=key, question=question, answer=answer))
    return out


def present(
    session: Session,
    incident: Incident,
    config: Config,
    now: datetime,
    *,
    with_facets: bool = True,
) -> IncidentOut:
    """One incident's answer. A list shows incidents by the hundred and leaves the facets'
    parts out (`with_facets=False`): each would cost a query per incident."""
    runbook = runbook_of(session, incident, config)
    assigned = {r.role: r.person for r in incident.roles}
    phase = runbook.phase(incident.phase)
    phase_due = deadlines.phase_due(phase, incident.anchors()) if phase else None
    parts: facets.Parts = {}
    if with_facets:
        parts = facets.parts(facets.installed(), facets.Shown(session, incident, runbook, now))
    return IncidentOut(
        ref=incident.ref,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        phase=incident.phase,
        channel=rules.channel_for(incident.ref),
        summary=incident.summary,
        services=incident.service_names,
        roles={role: assigned[role] for role in ROLES if role in assigned},
        missing_roles=rules.missing_roles(runbook.required_roles(incident.severity), set(assigned)),
        assessment=Assessment(**incident.assessment()),
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        resolution_summary=incident.resolution_summary,
        response_due_at=incident.response_due_at,
        response_breached=rules.response_breached(
            incident.response_due_at, incident.acknowledged_at, now
        ),
        phase_due_at=phase_due,
        phase_overdue=deadlines.overdue(phase_due, incident.status == Status.resolved, now)
        if phase and phase.window.anchor != "resolution"
        else deadlines.overdue(phase_due, False, now),
        assessment_questions=questions(incident, runbook),
        symptoms=incident.symptoms or [],
        runbook=RunbookRef(title=runbook.title, version=runbook.metadata.version),
        updated_at=incident.updated_at,
        **parts,
    )
