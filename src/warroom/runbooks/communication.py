"""Update cadence rules and the status-update template.

Cadence items read "<when>: <what>": "15 minutes: Initial status in #incidents"
(at 15 min), "Every 30 minutes: ..." (repeating), "Upon resolution: ..." (on resolve).
The template is the runbook's code block of "Field: value" lines; "a / b / c" values
are choices, "[hint]" values are free text, a field followed by "- item" lines is a list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from warroom.runbooks.conditions import split_condition
from warroom.runbooks.durations import DurationError, parse_duration
from warroom.runbooks.model import (
    Cadence,
    CadenceRule,
    SeverityLevel,
    TemplateField,
    TemplateFieldKind,
    UpdateTemplate,
    slug,
)

_EVERY = re.compile(r"^(?:every|each)\s+(?P<period>.+)$")
_PERIODIC = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
_ON_RESOLVE = re.compile(
    r"^(?:upon|on|at|after|when|once)\s+(?:the\s+)?(?:incident\s+(?:is\s+)?)?"
    r"(?:resolution|resolve|resolved|close|closed|closure)$"
)
_ON_DECLARE = re.compile(r"^(?:upon|on|at|when)\s+(?:declaration|declared|start|kickoff)$")
_AT = re.compile(r"^(?:at|after|within|by|t\s*\+)?\s*(?P<after>.+)$")
_CHANNEL = re.compile(r"(?<![\w&])#[A-Za-z0-9][\w-]*")
_EXTERNAL_WORDS = ("external", "customer", "public", "status page", "statuspage", "stakeholder")


def parse_cadence_rule(text: str, line: int) -> CadenceRule | None:
    """One "<when>: <what>" item, or None if <when> is not a time."""
    head, sep, message = text.partition(":")
    if not sep:
        head, message = text, ""
    when = re.sub(r"\s+", " ", head.strip().lower())
    message = message.strip()
    channel_match = _CHANNEL.search(message)
    common = {
        "text": text.strip(),
        "message": message,
        "line": line,
        "channel": channel_match.group(0) if channel_match else None,
    }
    if _ON_RESOLVE.match(when):
        return CadenceRule(trigger="on_resolve", **common)
    if _ON_DECLARE.match(when):
        return CadenceRule(trigger="at", after=timedelta(0), **common)
    every = _EVERY.match(when)
    try:
        if when in _PERIODIC:
            return CadenceRule(trigger="every", every=_PERIODIC[when], **common)
        if every:
            period = parse_duration(every.group("period"))
            if period <= timedelta(0):
                return None
            return CadenceRule(trigger="every", every=period, **common)
        at = _AT.match(when)
        if at:
            return CadenceRule(trigger="at", after=parse_duration(at.group("after")), **common)
    except DurationError:
        return None
    return None


def is_cadence_label(label: str) -> bool:
    low = label.lower()
    return any(w in low for w in ("communication", "update", "cadence", "notif", "stakeholder"))


def parse_cadence(
    label: str, items: Sequence[tuple[str, int]], levels: Sequence[SeverityLevel], line: int
) -> Cadence | None:
    """A labelled list of cadence items; None unless most items are readable rules."""
    rules = [r for text, item_line in items if (r := parse_cadence_rule(text, item_line))]
    if not rules or len(rules) * 2 < len(items):
        return None
    title, severities = split_condition(label, levels)
    audience = "external" if any(w in label.lower() for w in _EXTERNAL_WORDS) else "internal"
    return Cadence(audience=audience, title=title, severities=severities, rules=rules, line=line)


_FIELD = re.compile(r"^(?P<name>[A-Z][\w ()/%-]{0,40}?)\s*:\s*(?P<value>.*)$")
_LIST_LINE = re.compile(r"^\s*[-*•]\s+(?P<item>.*)$")


def _field(name: str, value: str, line: int) -> TemplateField:
    value = value.strip()
    placeholder = value[1:-1].strip() if value.startswith("[") and value.endswith("]") else ""
    kind: TemplateFieldKind = "text"
    options: list[str] = []
    if not placeholder and "/" in value and not value.startswith("["):
        options = [o.strip() for o in value.split("/") if o.strip()]
        if len(options) >= 2:
            kind = "choice"
        else:
            options = []
    if kind == "text" and not placeholder:
        placeholder = value
    return TemplateField(
        name=name.strip(),
        key=slug(name),
        kind=kind,
        options=options,
        placeholder=placeholder,
        line=line,
    )


def parse_template(code: str, first_line: int) -> UpdateTemplate:
    """Fields of the update template, e.g. Status (choice), Actions Taken (list)."""
    header = ""
    fields: list[TemplateField] = []
    open_field: tuple[str, int, list[str], list[str]] | None = None  # name, line, items, lines

    def close() -> None:
        nonlocal open_field
        if open_field is None:
            return
        name, line, items, lines = open_field
        kind: TemplateFieldKind = "list" if items else "block"
        hint = (items or lines or [""])[0].strip()
        hint = hint[1:-1].strip() if hint.startswith("[") and hint.endswith("]") else hint
        fields.append(
            TemplateField(name=name, key=slug(name), kind=kind, placeholder=hint, line=line)
        )
        open_field = None

    for offset, raw in enumerate(code.splitlines()):
        line = raw.strip()
        number = first_line + offset
        if not line:
            continue
        match = _FIELD.match(line)
        if match and not match.group("value").strip():
            close()
            open_field = (match.group("name").strip(), number, [], [])
            continue
        if open_field is not None:
            item = _LIST_LINE.match(line)
            if item:
                open_field[2].append(item.group("item"))
                continue
            if not open_field[2] and not match:
                open_field[3].append(line)
                continue
            close()
        if match:
            fields.append(_field(match.group("name"), match.group("value"), number))
        elif not header and not fields:
            header = line
    close()
    return UpdateTemplate(header=header, fields=fields, text=code, line=first_line - 1)
