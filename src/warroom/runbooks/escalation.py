"""The escalation matrix: "<time> | <who> paged/notified (<severity condition>)".

Read from a table (columns found by header words, in any order) or from a list
("- 15 min: Engineering lead notified"). Without an escalation section the default
matrix below applies, written from the reference runbook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from warroom.runbooks.conditions import looks_like_condition, resolve_condition, split_condition
from warroom.runbooks.durations import DurationError, parse_duration
from warroom.runbooks.model import EscalationPolicy, EscalationStep, SeverityLevel, slug

_VERB_AFTER = re.compile(
    r"^(?P<target>.+?)\s+(?:is\s+|gets\s+)?(?P<verb>paged|notified|called|escalated(?:\s+to)?"
    r"|alerted|informed|contacted|looped in|texted|emailed)$",
    re.IGNORECASE,
)
_VERB_BEFORE = re.compile(
    r"^(?P<verb>page|notify|call|escalate to|alert|inform|contact|loop in|text|email)\s+"
    r"(?:the\s+)?(?P<target>.+)$",
    re.IGNORECASE,
)
_TIME_PREFIX = re.compile(r"^(?:after|at|t\s*\+|\+)\s*", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^(?P<time>[^:—–]+?)\s*(?::|—|–|\s-\s|,)\s*(?P<action>.+)$")
_NO_CONDITION = {"", "-", "—", "all", "any", "every", "all severities", "n/a"}

Report = Callable[[int, str], None]


def parse_time(text: str) -> timedelta:
    return parse_duration(_TIME_PREFIX.sub("", text.strip()))


def parse_action(
    action: str, levels: Sequence[SeverityLevel]
) -> tuple[str, str, list[str] | None, str | None]:
    """(target, verb, severities, problem) from "VP Engineering notified (SEV-1)"."""
    text, severities = split_condition(action, levels)
    problem = None
    cond = re.search(r"\(([^()]*)\)\s*$", text)
    if cond and looks_like_condition(cond.group(1)):
        problem = f"severity condition ({cond.group(1)}) names no severity in the table"
    text = text.strip().rstrip(".")
    after = _VERB_AFTER.match(text)
    before = _VERB_BEFORE.match(text)
    if after:
        target, verb = after.group("target"), after.group("verb").lower()
    elif before:
        target, verb = before.group("target"), before.group("verb").lower()
    else:
        target, verb = text, "notify"
    kind = "page" if verb.startswith(("page", "call", "text")) else "notify"
    return target.strip(), kind, severities, problem


def _step(
    time_text: str,
    action: str,
    line: int,
    levels: Sequence[SeverityLevel],
    report: Report,
    target: str | None = None,
    condition: str | None = None,
) -> EscalationStep | None:
    try:
        after = parse_time(time_text)
    except DurationError:
        report(line, f"escalation step {time_text!r}: cannot read the time")
        return None
    parsed_target, verb, severities, problem = parse_action(action, levels)
    if condition is not None and condition.strip().lower() not in _NO_CONDITION:
        severities = resolve_condition(condition, levels)
        if severities is None:
            problem = f"cannot read severity condition {condition!r}"
    if problem:
        report(line, f"escalation step {action!r}: {problem}")
        return None
    final_target = (target or "").strip() or parsed_target
    if not slug(final_target):
        report(line, f"escalation step at {time_text!r} names nobody to escalate to")
        return None
    return EscalationStep(
        after=after,
        action=action.strip(),
        verb=verb,
        target=final_target,
        target_key=slug(final_target),
        severities=severities,
        line=line,
    )


def _column(header: list[str], words: Sequence[str], skip: set[int]) -> int | None:
    for index, name in enumerate(header):
        low = name.lower()
        if index not in skip and any(w in low for w in words):
            return index
    return None


def steps_from_table(
    header: list[str],
    rows: Sequence[tuple[list[str], int]],
    levels: Sequence[SeverityLevel],
    report: Report,
) -> list[EscalationStep] | None:
    """None if the table has no time/action columns (then it is not an escalation table)."""
    time_col = _column(header, ("time", "after", "when", "minute", "elapsed", "delay"), set())
    if time_col is None:
        return None
    used = {time_col}
    action_col = _column(header, ("action", "step", "escalat", "notify", "what"), used)
    target_col = _column(header, ("target", "who", "contact", "role", "person"), used)
    if action_col is None:
        action_col, target_col = target_col, None
    if action_col is None:
        return None
    used |= {action_col} | ({target_col} if target_col is not None else set())
    sev_col = _column(header, ("severity", "sev", "priority", "applies", "condition"), used)
    steps: list[EscalationStep] = []
    for cells, line in rows:

        def cell(index: int | None, cells: list[str] = cells) -> str | None:
            return cells[index] if index is not None and index < len(cells) else None

        time_text, action = cell(time_col) or "", cell(action_col) or ""
        if not time_text.strip() or not action.strip():
            report(line, "escalation row is missing its time or action")
            continue
        step = _step(time_text, action, line, levels, report, cell(target_col), cell(sev_col))
        if step is not None:
            steps.append(step)
    return steps


def steps_from_list(
    items: Sequence[tuple[str, int]], levels: Sequence[SeverityLevel], report: Report
) -> list[EscalationStep]:
    steps: list[EscalationStep] = []
    for text, line in items:
        match = _LIST_ITEM.match(text.strip())
        if match is None:
            report(line, f"escalation step {text!r}: expected '<time>: <who> paged/notified'")
            continue
        step = _step(match.group("time"), match.group("action"), line, levels, report)
        if step is not None:
            steps.append(step)
    return steps


def default_policy(levels: Sequence[SeverityLevel]) -> EscalationPolicy:
    """The reference runbook's matrix; "SEV-1" steps go to this runbook's most severe level."""
    ranked = sorted(levels, key=lambda lv: lv.rank)
    top = [ranked[0].name] if ranked else None
    rows: list[tuple[int, str, str, list[str] | None]] = [
        (0, "On-call engineer paged", "On-call engineer", None),
        (15, "Engineering lead notified", "Engineering lead", None),
        (30, "VP Engineering notified", "VP Engineering", top),
        (60, "CTO notified", "CTO", top),
        (120, "CEO notified", "CEO", top),
    ]
    return EscalationPolicy(
        source="default",
        steps=[
            EscalationStep(
                after=timedelta(minutes=minutes),
                action=action,
                verb="page" if "paged" in action else "notify",
                target=target,
                target_key=slug(target),
                severities=severities,
            )
            for minutes, action, target, severities in rows
        ],
    )
