"""The typed runbook model: what warroom understood from a Markdown runbook.

Pure data and pure lookups; no I/O. The parser builds it, the services read it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """`On-call engineer` -> `on_call_engineer`: the key a label is stored under."""
    return _NOT_KEY_CHARS.sub("_", text.lower()).strip("_")


def _compact(text: str) -> str:
    return _NOT_KEY_CHARS.sub("", text.lower())


class UnknownSeverityError(ValueError):
    """A severity the runbook does not define; carries the accepted spellings."""

    def __init__(self, given: str, accepted: list[str]) -> None:
        self.given = given
        self.accepted = accepted
        super().__init__(f"unknown severity {given!r}; accepted: {', '.join(accepted)}")


class SeverityLevel(BaseModel):
    """One row of the severity table."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Canonical name, e.g. SEV-1")
    rank: int = Field(description="1 is the most severe")
    description: str = ""
    aliases: list[str] = Field(default_factory=list, description="e.g. critical, high")
    response_time: timedelta | None = Field(
        default=None, description="Time to respond; None when next_business_day is set"
    )
    next_business_day: bool = False
    example: str = ""

    def spellings(self) -> list[str]:
        return [self.name, str(self.rank), *self.aliases]


class RoleRequirement(BaseModel):
    """A role the runbook asks for, optionally only at some severities."""

    model_config = ConfigDict(frozen=True)

    role: str = Field(description="Key, e.g. product_manager")
    label: str = Field(description="As written, e.g. Product manager")
    severities: list[str] | None = Field(
        default=None, description="Severity names it applies to; None means every severity"
    )

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- phases -------------------------------------------------------------------------

WindowKind = Literal["range", "immediate", "within", "ongoing", "unspecified"]
WindowAnchor = Literal["declaration", "mitigation", "resolution"]


class PhaseWindow(_Frozen):
    """When a phase should happen, measured from `anchor`.

    - range: "0-5 minutes" -> start 0, end 5 min after declaration
    - immediate: "Immediate" -> start = end = 0 after the anchor
    - within: "Within 48 hours" -> start 0, end 48 h; a postmortem's anchor is resolution
    - ongoing: "Throughout the incident" -> from declaration until resolution, no end
    - unspecified: the runbook gives no window (lint warns)
    """

    text: str = Field(default="", description="As written, e.g. 0-5 minutes")
    kind: WindowKind = "unspecified"
    anchor: WindowAnchor = "declaration"
    start: timedelta | None = None
    end: timedelta | None = Field(default=None, description="The phase's target/deadline")


class ChecklistItem(_Frozen):
    """One checklist entry or numbered step; nested sub-items are `children`."""

    key: str = Field(description="Slug of the label or text, unique within its checklist")
    text: str = Field(description="Plain text as written (bold/backticks removed)")
    label: str | None = Field(default=None, description="Leading bold label, e.g. Declare incident")
    checkbox: bool = Field(default=False, description="Written as `- [ ]`")
    checked: bool = False
    code: list[str] = Field(default_factory=list, description="Inline code spans in the text")
    severities: list[str] | None = Field(
        default=None, description="From a '(SEV-1/2)' suffix; None means every severity"
    )
    children: list[ChecklistItem] = Field(default_factory=list)
    line: int = 0
    done_when: str | None = Field(
        default=None,
        description="What ticks it without a person: declared, acknowledged, team_assembled, "
        "role_filled:<role> (see runbooks/triggers.py); None: a person ticks it",
    )

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


ChecklistKind = Literal["checkbox", "steps", "list"]


class Checklist(_Frozen):
    """A labelled task list inside a phase, e.g. "Investigation Checklist"."""

    title: str
    key: str
    kind: ChecklistKind = Field(description="checkbox `- [ ]`, numbered steps, or a plain list")
    items: list[ChecklistItem] = Field(default_factory=list)
    line: int = 0

    def walk(self) -> Iterator[ChecklistItem]:
        """Every item, depth first (parents before their children)."""
        stack = list(reversed(self.items))
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(item.children))


class InfoList(_Frozen):
    """A labelled list that is reference material, not tasks (e.g. "Automatic Detection")."""

    title: str
    items: list[str] = Field(default_factory=list)
    line: int = 0


class Command(_Frozen):
    """One command or query of a code block; a preceding comment is its description."""

    text: str
    description: str | None = None
    line: int = 0


class CodeBlock(_Frozen):
    label: str | None = Field(default=None, description="The label or list item it sits under")
    language: str = ""
    code: str = ""
    commands: list[Command] = Field(default_factory=list)
    line: int = 0


class Phase(_Frozen):
    number: int | None = None
    name: str = Field(description="e.g. Detection")
    key: str = Field(description="Slug of the name, e.g. detection")
    title: str = Field(description="The heading as written")
    window: PhaseWindow = Field(default_factory=PhaseWindow)
    checklists: list[Checklist] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    roles: list[RoleRequirement] = Field(default_factory=list)
    code_blocks: list[CodeBlock] = Field(default_factory=list)
    info_lists: list[InfoList] = Field(default_factory=list)
    line: int = 0

    def tasks(self, severity: str | None = None) -> list[ChecklistItem]:
        """Top-level checklist items (children stay nested), filtered by severity if given."""
        return [
            item
            for checklist in self.checklists
            for item in checklist.items
            if severity is None or item.applies_to(severity)
        ]


# --- communication ------------------------------------------------------------------

CadenceTrigger = Literal["at", "every", "on_resolve"]


class CadenceRule(_Frozen):
    """ "15 minutes: Initial status" (at), "Every 30 minutes" (every), "Upon resolution"."""

    trigger: CadenceTrigger
    after: timedelta | None = Field(default=None, description="For `at`: after declaration")
    every: timedelta | None = Field(default=None, description="For `every`: the period")
    text: str = Field(default="", description="The rule as written")
    message: str = Field(default="", description="What to send, e.g. Initial status in #incidents")
    channel: str | None = Field(default=None, description="A #channel named in the message")
    line: int = 0


class Cadence(_Frozen):
    audience: Literal["internal", "external"]
    title: str = ""
    severities: list[str] | None = Field(default=None, description="None means every severity")
    rules: list[CadenceRule] = Field(default_factory=list)
    line: int = 0

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


TemplateFieldKind = Literal["choice", "text", "list", "block"]


class TemplateField(_Frozen):
    name: str = Field(description="As written, e.g. Next Update")
    key: str = Field(description="e.g. next_update")
    kind: TemplateFieldKind = "text"
    options: list[str] = Field(default_factory=list, description="For choice fields")
    placeholder: str = Field(default="", description="The bracketed hint, e.g. Time of next update")
    line: int = 0


class UpdateTemplate(_Frozen):
    header: str = Field(default="", description="e.g. 🚨 INCIDENT UPDATE [SEV-1] [HH:MM UTC]")
    fields: list[TemplateField] = Field(default_factory=list)
    text: str = ""
    line: int = 0

    def field(self, key: str) -> TemplateField | None:
        return next((f for f in self.fields if f.key == key), None)


class Communication(_Frozen):
    cadences: list[Cadence] = Field(default_factory=list)
    template: UpdateTemplate | None = None

    @property
    def internal(self) -> Cadence | None:
        return next((c for c in self.cadences if c.audience == "internal"), None)

    @property
    def external(self) -> Cadence | None:
        return next((c for c in self.cadences if c.audience == "external"), None)

    def cadences_for(self, severity: str) -> list[Cadence]:
        return [c for c in self.cadences if c.applies_to(severity)]


# --- escalation ---------------------------------------------------------------------


class EscalationStep(_Frozen):
    """ "30 min | VP Engineering notified (SEV-1)"."""

    after: timedelta = Field(description="Time since the incident was declared/paged")
    action: str = Field(description="As written, e.g. VP Engineering notified (SEV-1)")
    verb: Literal["page", "notify"] = "notify"
    target: str = Field(description="e.g. VP Engineering")
    target_key: str = Field(description="e.g. vp_engineering")
    severities: list[str] | None = Field(default=None, description="None means every severity")
    line: int = 0

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


class EscalationPolicy(_Frozen):
    source: Literal["runbook", "default"] = "runbook"
    steps: list[EscalationStep] = Field(default_factory=list)
    line: int = 0

    def steps_for(self, severity: str) -> list[EscalationStep]:
        return [s for s in self.steps if s.applies_to(severity)]


# --- incident types, reference material ------------------------------------------------


class IncidentType(_Frozen):
    name: str
    key: str
    symptoms: list[str] = Field(default_factory=list)
    investigation: list[CodeBlock] = Field(default_factory=list)
    investigation_steps: list[str] = Field(default_factory=list)
    resolution: list[str] = Field(default_factory=list)
    resolution_code: list[CodeBlock] = Field(default_factory=list)
    line: int = 0


class QuickLink(_Frozen):
    label: str
    url: str
    line: int = 0


class Contact(_Frozen):
    role: str
    role_key: str
    contact: str = ""
    phone: str | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="Other columns by header")
    line: int = 0


class RunbookMetadata(_Frozen):
    version: str | None = None
    owner: str | None = None
    last_updated: date | None = None
    last_updated_text: str | None = Field(default=None, description="As written")


# --- actions --------------------------------------------------------------------------

ParameterType = Literal["string", "int", "choice"]


class ActionParameter(_Frozen):
    name: str = Field(description="e.g. service, replicas, namespace, flag, state")
    type: ParameterType = "string"
    default: str | int | None = Field(default=None, description="The value the runbook used")
    choices: list[str] = Field(default_factory=list)


ActionKind = Literal["diagnostic", "mitigation", "procedure"]
ActionRunner = Literal["exec", "shell", "sql"]


class ActionError(ValueError):
    """Parameters that do not fit an action's template."""


class ActionDefinition(_Frozen):
    """A runbook command made runnable: argv template + typed parameters. Not executed here.

    runner: exec (argv run directly), shell (pipes/redirects: argv needs a shell),
    sql (`script` is a query for a database client; argv is empty).
    """

    name: str = Field(description="Unique slug, e.g. rollback_recent_deployment")
    label: str = Field(description="e.g. Rollback recent deployment")
    kind: ActionKind
    runner: ActionRunner = "exec"
    command: str = Field(description="As written in the runbook")
    argv: list[str] = Field(default_factory=list, description="Tokens with {param} placeholders")
    script: str = Field(default="", description="Template text; the query for sql actions")
    parameters: list[ActionParameter] = Field(default_factory=list)
    language: str = ""
    phase: str | None = Field(default=None, description="Phase key it came from")
    incident_type: str | None = Field(default=None, description="Incident type key")
    description: str | None = None
    line: int = 0

    def parameter(self, name: str) -> ActionParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def resolve(self, values: Mapping[str, str | int] | None = None) -> dict[str, str]:
        """Parameter values (defaults filled in), checked against their types."""
        given = dict(values or {})
        unknown = set(given) - {p.name for p in self.parameters}
        if unknown:
            raise ActionError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}")
        resolved: dict[str, str] = {}
        for param in self.parameters:
            value = given.get(param.name, param.default)
            if value is None:
                raise ActionError(f"{self.name}: parameter {param.name!r} is required")
            text = str(value)
            if param.type == "int" and not re.fullmatch(r"-?\d+", text):
                raise ActionError(f"{self.name}: {param.name} must be an integer, got {text!r}")
            if param.type == "choice" and text not in param.choices:
                raise ActionError(
                    f"{self.name}: {param.name} must be one of {', '.join(param.choices)}"
                )
            resolved[param.name] = text
        return resolved

    def render(self, values: Mapping[str, str | int] | None = None) -> list[str]:
        """argv with placeholders filled; substitution is per token, so no shell quoting issue."""
        resolved = self.resolve(values)
        if not resolved:
            return list(self.argv)
        pattern = re.compile(r"\{(" + "|".join(map(re.escape, resolved)) + r")\}")
        return [pattern.sub(lambda m: resolved[m.group(1)], token) for token in self.argv]

    def render_shell(self, values: Mapping[str, str | int] | None = None) -> str:
        """Command line for `sh -c` (shell runner): values quoted, pipes/redirects kept."""
        if not self.argv:
            return self.script
        return " ".join(
            token if re.fullmatch(r"[();<>|&]+", token) else shlex.quote(token)
            for token in self.render(values)
        )


# --- the runbook -------------------------------------------------------------------------


class Runbook(BaseModel):
    """The policy extracted from a runbook."""

    title: str = "Incident Response Runbook"
    description: str = ""
    severities: list[SeverityLevel]
    roles: list[RoleRequirement] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    communication: Communication = Field(default_factory=Communication)
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    incident_types: list[IncidentType] = Field(default_factory=list)
    actions: list[ActionDefinition] = Field(default_factory=list)
    required_access: list[str] = Field(default_factory=list)
    quick_links: list[QuickLink] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    metadata: RunbookMetadata = Field(default_factory=RunbookMetadata)

    def phase(self, key: str) -> Phase | None:
        """A phase by key (`mitigation`) or number (`4`)."""
        wanted = slug(key)
        return next((p for p in self.phases if p.key == wanted or str(p.number) == wanted), None)

    def action(self, name: str) -> ActionDefinition | None:
        return next((a for a in self.actions if a.name == name), None)

    def severity(self, text: str) -> SeverityLevel:
        """Resolve user input (`sev-1`, `SEV1`, `1`, `critical`) to a severity level."""
        wanted = _compact(text)
        if wanted:
            for level in self.severities:
                if any(_compact(s) == wanted for s in level.spellings()):
                    return level
        raise UnknownSeverityError(text, self.accepted_severities())

    def accepted_severities(self) -> list[str]:
        return [s for level in self.severities for s in level.spellings()]

    def required_roles(self, severity: str) -> list[str]:
        """Role keys the runbook requires for an incident of this severity, in order."""
        return [r.role for r in self.roles if r.applies_to(severity)]
