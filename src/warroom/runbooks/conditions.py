"""Severity conditions written in parentheses: "(SEV-1/2)", "(P1 only)", "(Critical/High)".

Resolved against the runbook's own severity table, so "(SEV-1/2)" means the levels
the table defines; a parenthesis that names no severity ("(production)") is not a
condition and stays part of the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from warroom.runbooks.model import SeverityLevel, _compact

_TRAILING_PARENS = re.compile(r"^(?P<text>.*?)\s*\((?P<cond>[^()]*)\)\s*(?P<rest>[:.]?)\s*$")
_ABOVE = re.compile(r"(\+|\band (?:above|higher)\b|\bor (?:above|higher|worse)\b)")
_FILLER = re.compile(r"\b(only|incidents?|severit(?:y|ies)|levels?)\b")
_SEPARATORS = re.compile(r"\s*(?:/|,|&|\band\b|\bor\b)\s*")
_RANGE = re.compile(r"^(?P<a>.*?\d+)\s*(?:-|–|—|\bto\b)\s*(?P<b>[a-z-]*\s*\d+)$")


def _lookup(token: str, levels: Sequence[SeverityLevel]) -> SeverityLevel | None:
    wanted = _compact(token)
    if not wanted:
        return None
    for level in levels:
        if any(_compact(s) == wanted for s in level.spellings()):
            return level
    return None


def resolve_condition(text: str, levels: Sequence[SeverityLevel]) -> list[str] | None:
    """Severity names the condition covers, most severe first; None if it is no condition."""
    if not levels:
        return None
    norm = text.strip().lower()
    above = bool(_ABOVE.search(norm))
    norm = _FILLER.sub(" ", _ABOVE.sub(" ", norm)).strip()
    if not norm:
        return None
    ranks: set[int] = set()
    for raw_part in _SEPARATORS.split(norm):
        part = raw_part.strip()
        if not part:
            continue
        level = _lookup(part, levels)
        if level is not None:
            ranks.add(level.rank)
            continue
        span = _RANGE.match(part)
        if span is None:
            return None
        first, last = _lookup(span.group("a"), levels), _lookup(span.group("b"), levels)
        if first is None or last is None:
            return None
        low, high = sorted((first.rank, last.rank))
        ranks.update(range(low, high + 1))
    if not ranks:
        return None
    if above:
        ranks.update(range(1, max(ranks) + 1))
    return [level.name for level in sorted(levels, key=lambda lv: lv.rank) if level.rank in ranks]


def split_condition(text: str, levels: Sequence[SeverityLevel]) -> tuple[str, list[str] | None]:
    """ "Product manager (SEV-1/2)" -> ("Product manager", ["SEV-1", "SEV-2"])."""
    match = _TRAILING_PARENS.match(text.strip())
    if match:
        severities = resolve_condition(match.group("cond"), levels)
        if severities is not None:
            return match.group("text").strip(), severities
    return text.strip(), None


def looks_like_condition(text: str) -> bool:
    """Written like a severity condition even if the table does not define it: "(SEV-5)"."""
    return bool(re.fullmatch(r"\s*(sev|p|priority)[\s-]?\d.*", text, flags=re.IGNORECASE))
