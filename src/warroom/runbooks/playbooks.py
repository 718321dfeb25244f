"""Suggesting an incident type's playbook from symptoms. Pure and explainable: every
suggestion says which of its symptoms matched, through which words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.runbooks.model import IncidentType, Runbook

_WORD = re.compile(r"[a-z0-9]+")
# Words too common in symptom lines to tell incident types apart.
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "too",
        "high",
        "low",
        "many",
        "increased",
        "increase",
        "spike",
        "spikes",
        "errors",
        "error",
        "issue",
        "issues",
    ]
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


@dataclass(frozen=True)
class SymptomMatch:
    symptom: str  # the runbook's symptom line
    reported: str  # what the responder said
    words: list[str]  # the words they share


@dataclass(frozen=True)
class Suggestion:
    incident_type: IncidentType
    score: float
    matches: list[SymptomMatch] = field(default_factory=list)


def suggest(runbook: Runbook, reported: list[str], limit: int = 3) -> list[Suggestion]:
    """Incident types ranked by how much of their symptom list the reports cover.

    A runbook symptom matches a report when they share at least half of the symptom's
    distinctive words (at least one); the score is the share of symptoms matched, plus a
    little for the words matched, so ties break towards the closer match.
    """
    reports = [(text, words(text)) for text in reported if text.strip()]
    suggestions = []
    for kind in runbook.incident_types:
        matches = []
        for symptom in kind.symptoms:
            wanted = words(symptom)
            if not wanted:
                continue
            best: SymptomMatch | None = None
            for text, have in reports:
                shared = wanted & have
                if shared and len(shared) * 2 >= len(wanted):
                    candidate = SymptomMatch(symptom, text, sorted(shared))
                    if best is None or len(candidate.words) > len(best.words):
                        best = candidate
            if best:
                matches.append(best)
        if matches:
            score = len(matches) / max(len(kind.symptoms), 1)
            score += 0.01 * sum(len(m.words) for m in matches)
            suggestions.append(Suggestion(kind, round(score, 3), matches))
    suggestions.sort(key=lambda s: (-s.score, s.incident_type.name))
    return suggestions[:limit]
