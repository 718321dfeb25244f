"""Phases: which headings are phases, their time windows, and what is inside them.

A heading is a phase when it says so ("Phase 2: Triage (5-15 minutes)", "Stage 1 -
Detect"), when it carries a window ("## Triage (5-15 min)"), or when it sits under a
process heading ("## Response process" > "### Mitigation"). Inside, labelled lists
become checklists, questions, roles or reference lists; code blocks are kept with
the label or list item they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from warroom.runbooks.actions import split_commands
from warroom.runbooks.conditions import split_condition
from warroom.runbooks.durations import DurationError, parse_duration, parse_range
from warroom.runbooks.model import (
    Checklist,
    ChecklistItem,
    ChecklistKind,
    CodeBlock,
    InfoList,
    Phase,
    PhaseWindow,
    RoleRequirement,
    SeverityLevel,
    WindowAnchor,
    slug,
)
from warroom.runbooks.outline import CodeFence, ListBlock, ListItem, Paragraph, Section, groups
from warroom.runbooks.triggers import with_triggers

_PHASE_TITLE = re.compile(
    r"^(?:phase|stage|step)\s*(?P<num>\d+)\s*(?:[:.)|]|-|–|—)?\s*(?P<rest>.*)$", re.IGNORECASE
)
_PHASE_WORDS = {
    "detection",
    "detect",
    "identification",
    "identify",
    "triage",
    "assessment",
    "assess",
    "investigation",
    "investigate",
    "diagnosis",
    "diagnose",
    "mitigation",
    "mitigate",
    "containment",
    "contain",
    "eradication",
    "communication",
    "communications",
    "communicate",
    "resolution",
    "resolve",
    "recovery",
    "recover",
    "verification",
    "verify",
    "postmortem",
    "post-mortem",
    "post-incident",
    "retrospective",
    "review",
    "follow-up",
    "declaration",
    "declare",
    "response",
    "escalation",
    "monitoring",
    "closure",
    "close",
}
_PROCESS_WORDS = ("process", "phase", "procedure", "lifecycle", "workflow", "stages", "steps")
_AFTER_RESOLUTION_PHASES = (
    "postmortem",
    "post_mortem",
    "post_incident",
    "retrospective",
    "review",
    "follow_up",
    "closure",
)
_WINDOW_LABELS = (
    "time window",
    "window",
    "timeframe",
    "time frame",
    "time",
    "target",
    "duration",
    "when",
    "sla",
    "deadline",
    "timing",
)
_ROLE_ITEM = re.compile(
    r"\b(assemble|team|roles?|responders|staff|bring in|involve|page in)\b", re.IGNORECASE
)
_ROLE_LABEL = re.compile(r"\b(roles?|team|responders|staffing)\b", re.IGNORECASE)
_CHECKLIST_LABEL = re.compile(
    r"check|action|step|task|to ?do|verif|procedure|sections|wins|do\b", re.IGNORECASE
)
_LABEL_SPLIT = re.compile(r"\s+(?:—|–|-)\s+|:\s+")
_WORD = re.compile(r"[a-z][a-z-]*")
_PAREN_WINDOW = re.compile(r"(?P<name>.*?)\s*\((?P<window>[^()]*)\)\s*")
_DASH_WINDOW = re.compile(r"(?P<name>.+?)\s+(?:—|–|-|\||:)\s+(?P<window>.+)")


def _first_word_key(name: str) -> str:
    word = _WORD.search(name.lower())
    return word.group(0) if word else ""


def parse_window(text: str, phase_key: str = "") -> PhaseWindow | None:
    """ "0-5 minutes", "Immediate", "Within 48 hours", "Throughout"; None if unreadable."""
    raw = text.strip()
    norm = re.sub(r"\s+", " ", raw.lower()).strip(" .")
    if not norm:
        return PhaseWindow()
    after_resolution = any(k in phase_key for k in _AFTER_RESOLUTION_PHASES)
    anchor: WindowAnchor = "resolution" if after_resolution else "declaration"
    for word, explicit in (
        ("resolution", "resolution"),
        ("resolved", "resolution"),
        ("mitigation", "mitigation"),
        ("mitigated", "mitigation"),
        ("declaration", "declaration"),
        ("declared", "declaration"),
    ):
        if re.search(rf"\b(of|after|from|since|upon|on|once)\s+{word}\b", norm):
            anchor = explicit  # type: ignore[assignment]
            norm = re.sub(rf"\s*\b(of|after|from|since|upon|on|once)\s+{word}\b", "", norm).strip()
            break
    if norm in ("", "immediate", "immediately", "asap", "now", "at once"):
        zero = timedelta(0)
        return PhaseWindow(text=raw, kind="immediate", anchor=anchor, start=zero, end=zero)
    if re.fullmatch(
        r"(ongoing|throughout.*|continuous(ly)?|until (resolved|resolution)|"
        r"during the incident|all along|as needed)",
        norm,
    ):
        return PhaseWindow(text=raw, kind="ongoing", anchor="declaration", start=timedelta(0))
    within = re.fullmatch(r"(?:within|in|by|under|up to|less than|<)\s+(?P<d>.+)", norm)
    try:
        if within:
            end = parse_duration(within.group("d"))
            return PhaseWindow(text=raw, kind="within", anchor=anchor, start=timedelta(0), end=end)
        try:
            start, end = parse_range(norm.removeprefix("t+").replace("t+", ""))
            return PhaseWindow(text=raw, kind="range", anchor=anchor, start=start, end=end)
        except DurationError:
            end = parse_duration(norm.removeprefix("first "))
            return PhaseWindow(text=raw, kind="within", anchor=anchor, start=timedelta(0), end=end)
    except DurationError:
        return None


def _split_title(rest: str, key_hint: str = "") -> tuple[str, str]:
    """("Detection", "0-5 minutes") from "Detection (0-5 minutes)" or "Detect — 0–5 min"."""
    paren = _PAREN_WINDOW.fullmatch(rest)
    if paren and parse_window(paren.group("window"), key_hint) is not None:
        return paren.group("name").strip(), paren.group("window").strip()
    dash = _DASH_WINDOW.fullmatch(rest)
    if dash and parse_window(dash.group("window"), key_hint) is not None:
        return dash.group("name").strip(), dash.group("window").strip()
    return rest.strip(), ""


def is_phase_section(section: Section, document_title: Section | None) -> bool:
    if _PHASE_TITLE.match(section.title):
        return True
    name, window = _split_title(section.title)
    if _first_word_key(name) not in _PHASE_WORDS:
        return False
    if window:
        return True
    parent = section.parent
    return (
        parent is not None
        and parent is not document_title
        and parent.level > 0
        and any(w in parent.title.lower() for w in _PROCESS_WORDS)
    )


def _item_text(item: ListItem) -> str:
    return " ".join(item.text.split("\n")).strip()


def checklist_item(
    item: ListItem, levels: Sequence[SeverityLevel], taken: set[str]
) -> ChecklistItem:
    text = _item_text(item).rstrip(":").strip()
    label = item.inline.lead_strong
    body, severities = split_condition(text, levels)
    base = slug(label or body)[:60] or "item"
    key, counter = base, 2
    while key in taken:
        key, counter = f"{base}_{counter}", counter + 1
    taken.add(key)
    child_keys: set[str] = set()
    return ChecklistItem(
        key=key,
        text=text,
        label=label,
        checkbox=item.checkbox,
        checked=item.checked,
        code=list(item.inline.code),
        severities=severities,
        children=[checklist_item(c, levels, child_keys) for c in item.children],
        line=item.line,
    )


def role_requirement(
    text: str, lead: str | None, levels: Sequence[SeverityLevel]
) -> RoleRequirement:
    """ "Product manager (SEV-1/2)" -> product_manager for SEV-1 and SEV-2."""
    body, severities = split_condition(text.rstrip(":"), levels)
    name = lead or _LABEL_SPLIT.split(body, maxsplit=1)[0]
    name, lead_severities = split_condition(name, levels)
    return RoleRequirement(
        role=slug(name), label=name.strip(), severities=severities or lead_severities
    )


def roles_in_items(
    items: Sequence[ListItem], levels: Sequence[SeverityLevel]
) -> list[RoleRequirement]:
    """Roles listed under an "Assemble team" item (anywhere in the list tree)."""
    roles: list[RoleRequirement] = []
    for item in items:
        if item.children and _ROLE_ITEM.search(item.inline.lead_strong or _item_text(item)):
            roles.extend(
                role_requirement(_item_text(c), c.inline.lead_strong, levels) for c in item.children
            )
        else:
            roles.extend(roles_in_items(item.children, levels))
    return roles


def code_block(fence: CodeFence, label: str | None) -> CodeBlock:
    return CodeBlock(
        label=label,
        language=fence.language,
        code=fence.code,
        commands=split_commands(fence.code, fence.language, fence.line + 1),
        line=fence.line,
    )


def _item_label(item: ListItem, levels: Sequence[SeverityLevel]) -> str:
    text = item.inline.lead_strong or _item_text(item).rstrip(":")
    return split_condition(text, levels)[0]


def code_blocks_in_items(
    items: Sequence[ListItem], levels: Sequence[SeverityLevel]
) -> list[CodeBlock]:
    blocks: list[CodeBlock] = []
    for item in items:
        for block in item.blocks:
            if isinstance(block, CodeFence):
                blocks.append(code_block(block, _item_label(item, levels)))
        blocks.extend(code_blocks_in_items(item.children, levels))
    return blocks


def _window_from_body(section: Section) -> str:
    for block in section.blocks:
        if not isinstance(block, Paragraph):
            continue
        for line in block.inline.lines:
            label, sep, value = line.partition(":")
            if sep and value.strip() and label.strip().lower() in _WINDOW_LABELS:
                return value.strip()
    return ""


def read_phase(
    section: Section,
    index: int,
    levels: Sequence[SeverityLevel],
    is_cadence: Callable[[str | None, ListBlock], bool],
) -> tuple[Phase, bool]:
    """The phase, and whether its window text was unreadable."""
    numbered = _PHASE_TITLE.match(section.title)
    number = int(numbered.group("num")) if numbered else index
    rest = numbered.group("rest") if numbered else section.title
    key_hint = slug(rest)
    name, window_text = _split_title(rest, key_hint)
    name = name or rest or f"Phase {number}"
    key = slug(name)
    unreadable = False
    if not window_text:
        window_text = _window_from_body(section)
    window = parse_window(window_text, key)
    if window is None:
        unreadable, window = True, PhaseWindow(text=window_text)

    checklists: list[Checklist] = []
    info_lists: list[InfoList] = []
    questions: list[str] = []
    roles: list[RoleRequirement] = []
    blocks: list[CodeBlock] = []
    for group in groups(section):
        label = group.label
        for block in group.blocks:
            if isinstance(block, CodeFence):
                blocks.append(code_block(block, label))
                continue
            if not isinstance(block, ListBlock):
                continue
            blocks.extend(code_blocks_in_items(block.items, levels))
            if is_cadence(label, block):
                continue
            low = (label or "").lower()
            if "question" in low:
                questions.extend(_item_text(i) for i in block.items)
                continue
            if label and _ROLE_LABEL.search(label) and not any(i.checkbox for i in block.items):
                roles.extend(
                    role_requirement(_item_text(i), i.inline.lead_strong, levels)
                    for i in block.items
                )
                continue
            roles.extend(roles_in_items(block.items, levels))
            kind: ChecklistKind | None = None
            if any(i.checkbox for i in block.items):
                kind = "checkbox"
            elif block.ordered:
                kind = "steps"
            elif label is None or _CHECKLIST_LABEL.search(label):
                kind = "list"
            title = label or name
            if kind is None:
                info_lists.append(
                    InfoList(
                        title=title, items=[_item_text(i) for i in block.items], line=block.line
                    )
                )
                continue
            taken: set[str] = set()
            checklists.append(
                Checklist(
                    title=title,
                    key=slug(title),
                    kind=kind,
                    items=[checklist_item(i, levels, taken) for i in block.items],
                    line=block.line,
                )
            )
    phase = Phase(
        number=number,
        name=name,
        key=key,
        title=section.title,
        window=window,
        checklists=with_triggers(checklists, roles),
        questions=questions,
        roles=roles,
        code_blocks=blocks,
        info_lists=info_lists,
        line=section.line,
    )
    return phase, unreadable
