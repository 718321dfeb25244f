"""Markdown runbook -> `Runbook` model + findings. Pure: text in, model out.

Sections are recognised by heading and label words, tables by header words (any
column order), so runbooks written in other styles still parse. Whatever cannot be
read becomes a finding; parsing never raises on bad input.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from warroom.runbooks.actions import ActionContext, build_actions, runner_for
from warroom.runbooks.communication import (
    is_cadence_label,
    parse_cadence,
    parse_template,
)
from warroom.runbooks.escalation import default_policy, steps_from_list, steps_from_table
from warroom.runbooks.findings import Finding, FindingLog
from warroom.runbooks.incident_types import TYPES_SECTION, read_incident_types
from warroom.runbooks.model import (
    ActionDefinition,
    ActionKind,
    Cadence,
    Communication,
    EscalationPolicy,
    EscalationStep,
    IncidentType,
    Phase,
    RoleRequirement,
    Runbook,
    SeverityLevel,
    UpdateTemplate,
)
from warroom.runbooks.outline import (
    CodeFence,
    ListBlock,
    Paragraph,
    Section,
    build_outline,
    groups,
)
from warroom.runbooks.phases import (
    is_phase_section,
    read_phase,
    role_requirement,
)
from warroom.runbooks.reference import access_and_links, contacts, lint_text, metadata
from warroom.runbooks.severities import read_severities
from warroom.runbooks.source import prepare_source
from warroom.runbooks.tables import tables_in, words


@dataclass(frozen=True)
class ParseResult:
    runbook: Runbook
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


_ESCALATION_SECTION = words(r"escalat")
_MITIGATION_KEYS = words(r"mitigat|contain|recover|remediat|rollback|fix|resol")
_DIAGNOSTIC_KEYS = words(r"investigat|diagnos|detect|triage|assess|identif|check|quer|monitor")
_ROLES_SECTION = words(r"\broles?\b")
_TEMPLATE_LABEL = words(r"template|format")
_POSTMORTEM_LABEL = words(r"postmortem|post-mortem")


class _Reader:
    def __init__(self, root: Section, log: FindingLog) -> None:
        self.root = root
        self.log = log
        sections = list(root.walk())[1:]
        self.sections = sections
        self.title_section = next((s for s in sections if s.level == 1), None)
        self.levels: list[SeverityLevel] = []
        self.escalation_sections = [s for s in sections if _ESCALATION_SECTION.search(s.title)]
        self.type_sections = [s for s in sections if TYPES_SECTION.search(s.title)]

    # -- phases, roles, communication -----------------------------------------------------
    def _in_types(self, section: Section) -> bool:
        return any(t is section or t in section.ancestors() for t in self.type_sections)

    def is_cadence(self, label: str | None, block: ListBlock) -> bool:
        return self._cadence(label, block) is not None

    def _cadence(self, label: str | None, block: ListBlock) -> Cadence | None:
        if not label or not is_cadence_label(label):
            return None
        items = [(" ".join(i.text.split("\n")), i.line) for i in block.items]
        return parse_cadence(label, items, self.levels, block.line)

    def phases(self) -> list[Phase]:
        phases: list[Phase] = []
        claimed: list[Section] = []
        for section in self.sections:
            if self._in_types(section) or any(c in section.ancestors() for c in claimed):
                continue
            if section in self.escalation_sections or not is_phase_section(
                section, self.title_section
            ):
                continue
            claimed.append(section)
            phase, unreadable = read_phase(section, len(phases) + 1, self.levels, self.is_cadence)
            if unreadable:
                self.log.warning(
                    section.line,
                    "phase-window-unreadable",
                    f"phase {phase.name!r}: cannot read time window {phase.window.text!r}",
                )
            elif phase.window.kind == "unspecified":
                self.log.warning(
                    section.line, "phase-without-window", f"phase {phase.name!r} has no time window"
                )
            phases.append(phase)
        return phases

    def roles(self, phases: Sequence[Phase]) -> list[RoleRequirement]:
        found: list[RoleRequirement] = [r for p in phases for r in p.roles]
        for section in self.sections:
            if _ROLES_SECTION.search(section.title) and not is_phase_section(
                section, self.title_section
            ):
                for _, block in section.all_blocks():
                    if isinstance(block, ListBlock):
                        found.extend(
                            role_requirement(
                                " ".join(i.text.split("\n")), i.inline.lead_strong, self.levels
                            )
                            for i in block.items
                        )
        unique: dict[str, RoleRequirement] = {}
        for role in found:
            if role.role:
                unique.setdefault(role.role, role)
        return list(unique.values())

    def communication(self) -> Communication:
        cadences: list[Cadence] = []
        template: UpdateTemplate | None = None
        for section in self.sections:
            if self._in_types(section) or section in self.escalation_sections:
                continue
            for group in groups(section, include_children=False):
                for block in group.blocks:
                    if isinstance(block, ListBlock):
                        cadence = self._cadence(group.label or section.title, block)
                        if cadence is not None:
                            cadences.append(cadence)
                    elif (
                        isinstance(block, CodeFence)
                        and template is None
                        and runner_for(block.language) is None
                        and _TEMPLATE_LABEL.search(group.label or section.title)
                        and not _POSTMORTEM_LABEL.search(group.label or "")
                    ):
                        parsed = parse_template(block.code, block.line + 1)
                        if parsed.fields:
                            template = parsed
        return Communication(cadences=cadences, template=template)

    # -- escalation ---------------------------------------------------------------------------
    def escalation(self) -> EscalationPolicy:
        if not self.escalation_sections:
            self.log.warning(
                1,
                "no-escalation-section",
                "no escalation section: the default escalation matrix applies",
            )
            return default_policy(self.levels)
        section = self.escalation_sections[0]

        def report(line: int, message: str) -> None:
            self.log.error(line, "escalation-row-unreadable", message)

        for table in tables_in(section):
            steps = steps_from_table(
                table.header, [(r.cells, r.line) for r in table.rows], self.levels, report
            )
            if steps is not None:
                return self._policy(section, steps)
        for _, block in section.all_blocks():
            if isinstance(block, ListBlock):
                items = [(" ".join(i.text.split("\n")), i.line) for i in block.items]
                return self._policy(section, steps_from_list(items, self.levels, report))
        self.log.error(
            section.line,
            "escalation-unreadable",
            f"section {section.title!r} has no escalation table or list; "
            "the default escalation matrix applies",
        )
        return default_policy(self.levels)

    @staticmethod
    def _policy(section: Section, steps: list[EscalationStep]) -> EscalationPolicy:
        ordered = sorted(steps, key=lambda s: s.after)
        return EscalationPolicy(source="runbook", steps=ordered, line=section.line)

    # -- actions ---------------------------------------------------------------------------------
    def actions(
        self, phases: Sequence[Phase], types: Sequence[IncidentType]
    ) -> list[ActionDefinition]:
        def report(line: int, message: str) -> None:
            self.log.warning(line, "command-not-parameterised", message)

        actions: list[ActionDefinition] = []
        for phase in phases:
            for block in phase.code_blocks:
                kind = _kind_for(phase.key, block.label)
                actions += build_actions(block, ActionContext(kind, phase=phase.key), report)
        for itype in types:
            for block in itype.investigation:
                actions += build_actions(
                    block, ActionContext("diagnostic", incident_type=itype.key), report
                )
            for block in itype.resolution_code:
                actions += build_actions(
                    block, ActionContext("mitigation", incident_type=itype.key), report
                )
        taken: set[str] = set()
        # Per name, the suffix to try next: every lower one is taken already (and stays
        # taken), so a name repeated n times costs O(n), not O(n^2).
        next_suffix: dict[str, int] = {}
        unique: list[ActionDefinition] = []
        for action in actions:
            name = action.name
            if name in taken:
                counter = next_suffix.get(action.name, 2)
                name = f"{action.name}_{counter}"
                while name in taken:
                    counter += 1
                    name = f"{action.name}_{counter}"
                next_suffix[action.name] = counter + 1
            taken.add(name)
            unique.append(
                action if name == action.name else action.model_copy(update={"name": name})
            )
        return unique

    def title_and_description(self) -> tuple[str, str]:
        section = self.title_section or (self.sections[0] if self.sections else None)
        if section is None:
            return "Incident Response Runbook", ""
        description = next(
            (
                " ".join(b.inline.lines).strip()
                for b in section.blocks
                if isinstance(b, Paragraph) and not b.inline.text.rstrip().endswith(":")
            ),
            "",
        )
        return section.title or "Incident Response Runbook", description


def _kind_for(phase_key: str, label: str | None) -> ActionKind:
    if _MITIGATION_KEYS.search(phase_key):
        return "mitigation"
    if _DIAGNOSTIC_KEYS.search(phase_key):
        return "diagnostic"
    if label and _MITIGATION_KEYS.search(label):
        return "mitigation"
    if label and _DIAGNOSTIC_KEYS.search(label):
        return "diagnostic"
    return "procedure"


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while parsing.

    Parsing allocates hundreds of thousands of small objects (tokens, outline nodes,
    models) that all stay alive until the parse ends, so every collection the
    allocations trigger walks them all and frees next to nothing: a fifth to a quarter
    of the time of a 1 MB runbook. Reference counting still frees memory as usual;
    collection resumes (if it was on) as soon as the parse returns, even when it raises.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_runbook(source: str | bytes) -> ParseResult:
    """Parse runbook text (or raw bytes) into the model; problems become findings."""
    with _cyclic_gc_paused():
        return _parse(source)


def _parse(source: str | bytes) -> ParseResult:
    log = FindingLog()
    prepared = prepare_source(source, log)
    if not prepared.parseable:
        return ParseResult(runbook=Runbook(severities=[]), findings=log.sorted())
    try:
        runbook = _read(prepared.text, log)
    except Exception as exc:  # a parser bug must not take down `lint` or the API
        log.error(1, "internal-error", f"parser failed: {type(exc).__name__}: {exc}")
        runbook = Runbook(severities=[])
    return ParseResult(runbook=runbook, findings=log.sorted())


def _read(text: str, log: FindingLog) -> Runbook:
    reader = _Reader(build_outline(text), log)
    title, description = reader.title_and_description()
    severities = reader.levels = read_severities(reader.root, reader.sections, log)
    phases = reader.phases()
    types = read_incident_types(reader.type_sections, severities)
    access, links = access_and_links(reader.sections)
    lint_text(reader.root, reader.sections, log)
    return Runbook(
        title=title,
        description=description,
        severities=severities,
        roles=reader.roles(phases),
        phases=phases,
        communication=reader.communication(),
        escalation=reader.escalation(),
        incident_types=types,
        actions=reader.actions(phases, types),
        required_access=access,
        quick_links=links,
        contacts=contacts(reader.sections),
        metadata=metadata(reader.root, reader.sections),
    )
