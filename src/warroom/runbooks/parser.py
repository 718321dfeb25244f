"""Markdown runbook -> `Runbook` model + findings. Pure: text in, model out.

Sections are recognised by heading and label words, tables by header words (any
column order), so runbooks written in other styles still parse. Whatever cannot be
read becomes a finding; parsing never raises on bad input.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from warroom.runbooks.actions import ActionContext, build_actions, runner_for
from warroom.runbooks.communication import (
    is_cadence_label,
    parse_cadence,
    parse_template,
)
from warroom.runbooks.durations import DurationError, parse_deadline
from warroom.runbooks.escalation import default_policy, steps_from_list, steps_from_table
from warroom.runbooks.findings import Finding, FindingLog
from warroom.runbooks.model import (
    ActionDefinition,
    ActionKind,
    Cadence,
    CodeBlock,
    Communication,
    Contact,
    EscalationPolicy,
    EscalationStep,
    IncidentType,
    Phase,
    QuickLink,
    RoleRequirement,
    Runbook,
    RunbookMetadata,
    SeverityLevel,
    UpdateTemplate,
    slug,
)
from warroom.runbooks.outline import (
    CodeFence,
    ListBlock,
    ListItem,
    Paragraph,
    Section,
    Table,
    build_outline,
    groups,
)
from warroom.runbooks.phases import (
    code_block,
    code_blocks_in_items,
    is_phase_section,
    read_phase,
    role_requirement,
)
from warroom.runbooks.source import prepare_source


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


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_SEVERITY_SECTION = _words(r"severit|priorit|\bsev\b|urgenc")
_ESCALATION_SECTION = _words(r"escalat")
_TYPES_SECTION = _words(
    r"incident types|common incidents|playbooks|scenarios|failure modes|known issues"
    r"|common issues|common problems|incident catalog"
)
_CONTACT_SECTION = _words(r"contact|on-?call roster|people|directory")
_SYMPTOMS = _words(r"symptom|signs|indicator|detect")
_INVESTIGATION = _words(r"investigat|diagnos|check|quer|debug|triage")
_RESOLUTION = _words(r"resol|fix|remediat|mitigat|workaround|recover")
_MITIGATION_KEYS = _words(r"mitigat|contain|recover|remediat|rollback|fix|resol")
_DIAGNOSTIC_KEYS = _words(r"investigat|diagnos|detect|triage|assess|identif|check|quer|monitor")
_METADATA_LINE = _words(
    r"^(?P<key>last updated|updated|last reviewed|version|owner|maintainer|maintained by)"
    r"\s*:\s*(?P<value>.+)$"
)
_SUBSTITUTION = re.compile(r"\$\([^)]*\)|\$\{[^}]*\}")
_ROLES_SECTION = _words(r"\broles?\b")
_TEMPLATE_LABEL = _words(r"template|format")
_POSTMORTEM_LABEL = _words(r"postmortem|post-mortem")
_SEVERITY_ALIAS = re.compile(r"^(?P<word>[A-Za-z][\w-]*)\s*(?:-|–|—|:)\s+\S")
_LINK_ITEM = re.compile(r"^(?P<label>.+?)\s*(?::|—|–|\s-\s)\s*<?(?P<url>https?://\S+?)>?$")


def _column(header: Sequence[str], words: Sequence[str], skip: set[int]) -> int | None:
    """First column whose header contains a word, trying words in order of preference."""
    lowered = [h.lower() for h in header]
    for word in words:
        for index, name in enumerate(lowered):
            if index not in skip and word in name:
                return index
    return None


def _cell(cells: Sequence[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _tables(section: Section) -> Iterator[Table]:
    for _, block in section.all_blocks():
        if isinstance(block, Table):
            yield block


class _Reader:
    def __init__(self, root: Section, log: FindingLog) -> None:
        self.root = root
        self.log = log
        sections = list(root.walk())[1:]
        self.sections = sections
        self.title_section = next((s for s in sections if s.level == 1), None)
        self.levels: list[SeverityLevel] = []
        self.escalation_sections = [s for s in sections if _ESCALATION_SECTION.search(s.title)]
        self.type_sections = [s for s in sections if _TYPES_SECTION.search(s.title)]

    # -- severities -------------------------------------------------------------------
    def severities(self) -> list[SeverityLevel]:
        named = [s for s in self.sections if _SEVERITY_SECTION.search(s.title)]
        tables = [t for s in named for t in _tables(s)]
        tables += [
            t
            for t in _tables(self.root)
            if t not in tables
            and _column(t.header, ("severity", "priority", "sev"), set()) is not None
            and _column(t.header, ("response", "sla"), set()) is not None
        ]
        if not tables:
            if named:
                self.log.error(
                    named[0].line,
                    "severity-table-unreadable",
                    f"section {named[0].title!r} has no severity table",
                )
            else:
                self.log.error(
                    1,
                    "no-severity-section",
                    "no severity section: add a table of severity levels with response times",
                )
            return []
        table = tables[0]
        name_col = _column(table.header, ("severity", "priority", "sev", "level", "name"), set())
        if name_col is None or not table.rows:
            self.log.error(
                table.line,
                "severity-table-unreadable",
                "severity table has no severity/priority/level column"
                if name_col is None
                else "severity table has no rows",
            )
            return []
        used = {name_col}
        resp_col = _column(table.header, ("response", "sla", "respond", "ack", "time"), used)
        desc_col = _column(
            table.header,
            ("description", "impact", "meaning", "definition", "summary", "criteria"),
            used | ({resp_col} if resp_col is not None else set()),
        )
        example_col = _column(table.header, ("example",), used)
        if resp_col is None:
            self.log.warning(
                table.line,
                "severity-no-response-time",
                "severity table has no response time column: no SLAs",
            )
        levels: list[SeverityLevel] = []
        seen: set[str] = set()
        aliases_seen: set[str] = set()
        for row in table.rows:
            name = _cell(row.cells, name_col).strip("* ")
            if not name:
                self.log.error(row.line, "severity-row-unreadable", "severity row has no name")
                continue
            if name.lower() in seen:
                self.log.error(row.line, "severity-row-unreadable", f"duplicate severity {name!r}")
                continue
            seen.add(name.lower())
            description = _cell(row.cells, desc_col)
            response_text = _cell(row.cells, resp_col)
            response_time, next_business_day = None, False
            if resp_col is not None:
                try:
                    deadline = parse_deadline(response_text)
                    response_time, next_business_day = deadline.after, deadline.next_business_day
                except DurationError:
                    self.log.error(
                        row.line,
                        "severity-row-unreadable",
                        f"severity {name}: cannot read response time {response_text!r}",
                    )
            aliases: list[str] = []
            lead = _SEVERITY_ALIAS.match(description)
            if lead:
                alias = lead.group("word").lower()
                if alias != name.lower() and alias not in aliases_seen:
                    aliases.append(alias)
                    aliases_seen.add(alias)
            levels.append(
                SeverityLevel(
                    name=name,
                    rank=len(levels) + 1,
                    description=description,
                    aliases=aliases,
                    response_time=response_time,
                    next_business_day=next_business_day,
                    example=_cell(row.cells, example_col),
                )
            )
        self.levels = levels
        return levels

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

        for table in _tables(section):
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

    # -- incident types --------------------------------------------------------------------------
    def incident_types(self) -> list[IncidentType]:
        types: list[IncidentType] = []
        for parent in self.type_sections:
            for section in parent.children:
                symptoms: list[str] = []
                steps: list[str] = []
                resolution: list[str] = []
                investigation: list[CodeBlock] = []
                resolution_code: list[CodeBlock] = []
                for group in groups(section):
                    label = group.label or ""
                    for block in group.blocks:
                        if isinstance(block, CodeFence):
                            target = resolution_code if _RESOLUTION.search(label) else investigation
                            target.append(code_block(block, label or None))
                        elif isinstance(block, ListBlock):
                            texts = [" ".join(i.text.split("\n")) for i in block.items]
                            item_code = code_blocks_in_items(block.items, self.levels)
                            if _SYMPTOMS.search(label):
                                symptoms.extend(texts)
                            elif _RESOLUTION.search(label):
                                resolution.extend(texts)
                                resolution_code.extend(item_code)
                            elif _INVESTIGATION.search(label):
                                steps.extend(texts)
                                investigation.extend(item_code)
                types.append(
                    IncidentType(
                        name=section.title,
                        key=slug(section.title),
                        symptoms=symptoms,
                        investigation=investigation,
                        investigation_steps=steps,
                        resolution=resolution,
                        resolution_code=resolution_code,
                        line=section.line,
                    )
                )
        return types

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

    # -- reference material ----------------------------------------------------------------------
    def access_and_links(self) -> tuple[list[str], list[QuickLink]]:
        access: list[str] = []
        links: list[QuickLink] = []
        for section in self.sections:
            for group in groups(section, include_children=False):
                label = (group.label or section.title).lower()
                for block in group.blocks:
                    if not isinstance(block, ListBlock):
                        continue
                    if "access" in label:
                        access.extend(" ".join(i.text.split("\n")) for i in block.items)
                    elif "link" in label or "dashboard" in label:
                        links.extend(_quick_link(i) for i in block.items if _quick_link(i))  # type: ignore[misc]
        return access, links

    def contacts(self) -> list[Contact]:
        contacts: list[Contact] = []
        for section in self.sections:
            if not _CONTACT_SECTION.search(section.title):
                continue
            for table in _tables(section):
                role_col = _column(table.header, ("role", "name", "team", "who"), set())
                if role_col is None:
                    continue
                used = {role_col}
                contact_col = _column(table.header, ("contact", "handle", "slack", "email"), used)
                if contact_col is not None:
                    used.add(contact_col)
                phone_col = _column(table.header, ("phone", "mobile", "tel"), used)
                if phone_col is not None:
                    used.add(phone_col)
                for row in table.rows:
                    role = _cell(row.cells, role_col)
                    if not role:
                        continue
                    phone = _cell(row.cells, phone_col)
                    extra = {
                        table.header[i]: _cell(row.cells, i)
                        for i in range(len(table.header))
                        if i not in used and _cell(row.cells, i)
                    }
                    contacts.append(
                        Contact(
                            role=role,
                            role_key=slug(role),
                            contact=_cell(row.cells, contact_col),
                            phone=None if phone.lower() in ("", "-", "—", "n/a", "none") else phone,
                            extra=extra,
                            line=row.line,
                        )
                    )
        return contacts

    def text_lines(self) -> Iterator[tuple[str, int]]:
        """Every line of prose (not code) with its line number."""
        for section in self.sections:
            yield section.title, section.line
        for _, block in self.root.all_blocks():
            if isinstance(block, Paragraph):
                for offset, line in enumerate(block.inline.lines):
                    yield line, block.line + offset
            elif isinstance(block, ListBlock):
                yield from _item_lines(block.items)
            elif isinstance(block, Table):
                for row in block.rows:
                    yield " | ".join(row.cells), row.line

    def metadata(self) -> RunbookMetadata:
        values: dict[str, str] = {}
        for line, _ in self.text_lines():
            match = _METADATA_LINE.match(line.strip()) if ":" in line else None
            if match:
                key = match.group("key").lower()
                key = (
                    "last_updated"
                    if "updat" in key or "review" in key
                    else "version"
                    if key == "version"
                    else "owner"
                )
                values.setdefault(key, match.group("value").strip())
        updated_text = values.get("last_updated")
        return RunbookMetadata(
            version=values.get("version"),
            owner=values.get("owner"),
            last_updated=_date(updated_text),
            last_updated_text=updated_text,
        )

    def lint_text(self) -> None:
        for line, number in self.text_lines():
            if "$" not in line:
                continue
            for match in _SUBSTITUTION.finditer(line):
                self.log.warning(
                    number,
                    "unexpanded-substitution",
                    f"{match.group(0)} is an unexpanded shell substitution "
                    "(the file was not generated through a shell)",
                )
        for section in self.sections:
            if not section.blocks and not section.children:
                self.log.warning(
                    section.line, "empty-section", f"heading {section.title!r} has no content"
                )
        for _, block in self.root.all_blocks():
            if isinstance(block, Table):
                for row in block.rows:
                    if row.written_cells < len(block.header):
                        self.log.warning(
                            row.line,
                            "table-missing-cells",
                            f"table row has {row.written_cells} cell(s); the "
                            f"header has {len(block.header)}",
                        )

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


def _item_lines(items: Sequence[ListItem]) -> Iterator[tuple[str, int]]:
    for item in items:
        yield item.text, item.line
        yield from _item_lines(item.children)


def _quick_link(item: ListItem) -> QuickLink | None:
    if item.inline.links:
        text, href = item.inline.links[0]
        label = item.text.replace(text, "").strip(" :—–-") or text
        return QuickLink(label=label.strip(), url=href, line=item.line)
    match = _LINK_ITEM.match(" ".join(item.text.split("\n")).strip())
    if match:
        return QuickLink(label=match.group("label").strip(), url=match.group("url"), line=item.line)
    return None


def _date(text: str | None) -> date | None:
    if not text or _SUBSTITUTION.search(text):
        return None
    text = text.strip()
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


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
    severities = reader.severities()
    phases = reader.phases()
    types = reader.incident_types()
    access, links = reader.access_and_links()
    reader.lint_text()
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
        contacts=reader.contacts(),
        metadata=reader.metadata(),
    )
