"""Playbooks suggested by an incident's symptoms: asking is free, recording is explicit.

`suggestions` reads only (the incident's symptoms plus any being tried out); `add_symptoms`
records new symptoms on the incident and its timeline, then suggests.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.incidents.changes import changing, record, runbook_of
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.schemas import (
    CodeBlockOut,
    PlaybookOut,
    SuggestionOut,
    SymptomMatchOut,
    SymptomsIn,
)
from warroom.runbooks.playbooks import suggest


def add_symptoms(db: Database, ctx: Context, ref: str, data: SymptomsIn) -> PlaybookOut:
    with changing(db, ctx, ref) as (session, incident):
        known = incident.symptoms or []
        new = [s for s in data.symptoms if s not in known]
        if new:
            incident.symptoms = [*known, *new]
            record(session, incident, ctx, "symptoms_recorded", {"symptoms": new})
        return _answer(session, incident, ctx.config, incident.symptoms or [], trying=[])


def suggestions(
    db: Database, config: Config, ref: str, trying: list[str] | None = None
) -> PlaybookOut:
    """What the runbook suggests for the incident's symptoms plus `trying`; stores nothing."""
    with db.read() as session:
        incident = by_ref(session, ref)
        known = incident.symptoms or []
        extra = [s for s in dict.fromkeys(trying or []) if s not in known]
        return _answer(session, incident, config, [*known, *extra], trying=extra)


def _answer(
    session: Session, incident: Incident, config: Config, symptoms: list[str], *, trying: list[str]
) -> PlaybookOut:
    runbook = runbook_of(session, incident, config)
    return PlaybookOut(
        ref=incident.ref,
        symptoms=symptoms,
        not_recorded=trying,
        suggestions=[
            SuggestionOut(
                incident_type=s.incident_type.name,
                key=s.incident_type.key,
                score=s.score,
                matched=[
                    SymptomMatchOut(symptom=m.symptom, reported=m.reported, words=m.words)
                    for m in s.matches
                ],
                symptoms=s.incident_type.symptoms,
                investigation=[
                    CodeBlockOut(language=b.language, commands=[c.text for c in b.commands])
                    for b in s.incident_type.investigation
                ],
                investigation_steps=s.incident_type.investigation_steps,
                resolution=s.incident_type.resolution,
            )
            for s in suggest(runbook, symptoms)
        ],
        incident_types=[t.name for t in runbook.incident_types],
    )
