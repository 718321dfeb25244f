"""API shapes for incidents. Unknown fields are refused, so a typo is an error, not a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from warroom import limits
from warroom.limits import Storable

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.TITLE), Storable
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), Storable]
RequiredText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), Storable
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.NAME), Storable
]
Severity = Annotated[str, Field(max_length=limits.SEVERITY, examples=["SEV-1"]), Storable]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


Symptom = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Storable
]


class DeclareIn(_In):
    title: Title
    severity: Severity
    services: list[Name] = Field(default_factory=list, max_length=50)
    summary: Text = ""
    commander: Name | None = Field(
        default=None, description="Incident commander; the declarer when not given"
    )
    symptoms: list[Symptom] = Field(
        default_factory=list, max_length=20, description="What you see; suggests a playbook"
    )


class SymptomsIn(_In):
    symptoms: list[Symptom] = Field(min_length=1, max_length=20)


class PhaseIn(_In):
    phase: Annotated[
        str,
        Field(min_length=1, max_length=limits.PHASE, description="A phase key, number, or next"),
        Storable,
    ]
    note: Text = ""


class PatchIn(_In):
    title: Title | None = None
    severity: Severity | None = None
    summary: Text | None = None
    services: list[Name] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _something(self) -> PatchIn:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, severity, summary, services")
        for name in ("title", "severity"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class RoleIn(_In):
    person: Name


class NoteIn(_In):
    text: RequiredText


class AssessmentIn(_In):
    """The runbook's triage questions. Only the answers given are recorded."""

    user_impact: Text | None = None
    users_affected: Annotated[str, StringConstraints(max_length=limits.TITLE), Storable] | None = (
        None
    )
    systems_impacted: list[Name] | None = None
    data_at_risk: bool | None = None
    security_incident: bool | None = None
    answers: dict[Annotated[str, StringConstraints(max_length=60), Storable], Text] | None = Field(
        default=None, description="Answers to the runbook's other questions, by key"
    )

    @model_validator(mode="after")
    def _something(self) -> AssessmentIn:
        if not self.model_fields_set:
            raise ValueError(
                "give at least one of user_impact, users_affected, systems_impacted, "
                "data_at_risk, security_incident"
            )
        return self


class StatusIn(_In):
    status: Literal["investigating", "identified", "monitoring"]
    note: Text = ""


class ResolveIn(_In):
    summary: RequiredText


class ReopenIn(_In):
    reason: Text = ""


class Assessment(BaseModel):
    user_impact: str | None
    users_affected: str | None
    systems_impacted: list[str] | None
    data_at_risk: bool | None
    security_incident: bool | None


class Question(BaseModel):
    key: str
    question: str
    answer: str | bool | list[str] | None


class RunbookRef(BaseModel):
    title: str
    version: str | None


class TaskSummary(BaseModel):
    total: int
    done: int
    overdue: int


class IncidentOut(BaseModel):
    ref: str
    title: str
    severity: str
    status: str
    phase: str
    channel: str
    summary: str
    services: list[str]
    roles: dict[str, str]
    missing_roles: list[str]
    assessment: Assessment
    declared_by: str
    declared_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    resolution_summary: str | None
    response_due_at: datetime | None
    response_breached: bool
    phase_due_at: datetime | None
    phase_overdue: bool
    assessment_questions: list[Question]
    symptoms: list[str]
    runbook: RunbookRef | None
    tasks: TaskSummary | None = None
    updated_at: datetime
    warnings: list[str] = Field(
        default_factory=list,
        description="What the change did but should not have had to, or left undone "
        "(nobody to page, roles missing at resolution); said once, in this answer",
    )


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None


Visibility = Literal["internal", "public"]


class SymptomMatchOut(BaseModel):
    symptom: str = Field(description="The runbook's symptom")
    reported: str = Field(description="What the responder said")
    words: list[str] = Field(description="The words they share")


class CodeBlockOut(BaseModel):
    language: str
    commands: list[str]


class SuggestionOut(BaseModel):
    incident_type: str
    key: str
    score: float
    matched: list[SymptomMatchOut]
    symptoms: list[str]
    investigation: list[CodeBlockOut]
    investigation_steps: list[str]
    resolution: list[str]


class PlaybookOut(BaseModel):
    ref: str
    symptoms: list[str] = Field(description="The recorded symptoms, and those tried")
    not_recorded: list[str] = Field(description="Symptoms tried in this request, not stored")
    suggestions: list[SuggestionOut]
    incident_types: list[str]
