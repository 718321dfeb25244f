"""Which tasks apply, which phase moves an incident's state allows, and what is left
open at resolution. Pure. Deadlines are the phase windows' (`runbooks.deadlines`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from warroom.runbooks import triggers
from warroom.runbooks.model import Phase, Runbook


def applies(severities: list[str] | None, severity: str) -> bool:
    return severities is None or severity in severities


def phase_contradiction(phase: Phase, *, resolved: bool) -> str | None:
    """Why an incident in this state cannot be in `phase`, or None when it can.

    A phase timed from resolution (the postmortem, "within 48 hours") follows resolving;
    a phase with a deadline from declaration (detection, triage, investigation,
    mitigation) is the live response, which a resolved incident has left. Phases with no
    such window (communication "throughout", a resolution phase) fit either state."""
    window = phase.window
    if window.anchor == "resolution" and not resolved:
        timed = f" ({window.text.lower()} of resolving)" if window.text else ""
        return f"{phase.name} comes after resolution{timed}; resolve the incident first"
    if resolved and window.anchor == "declaration" and window.kind in ("range", "immediate"):
        return f"the incident is resolved and {phase.name} is part of the response; reopen it first"
    return None


@dataclass(frozen=True)
class TaskState:
    """What the resolution check needs of an incident task."""

    number: int
    text: str
    checklist: str
    anchor: str
    severities: list[str] | None
    done: bool
    done_when: str | None


def open_at_resolution(tasks: Sequence[TaskState], severity: str) -> list[TaskState]:
    """Tasks left undone when an incident is resolved: those that apply to its severity,
    except the postmortem's (timed from resolution: they start now), untried alternatives
    (`triggers.is_alternatives`) and tasks about roles (missing roles are said once)."""
    return [
        t
        for t in tasks
        if not t.done
        and applies(t.severities, severity)
        and t.anchor != "resolution"
        and not triggers.is_alternatives(t.checklist)
        and not triggers.is_about_roles(t.done_when)
    ]


def skipped(runbook: Runbook, current: str, target: str) -> list[str]:
    """Phases jumped over when moving forward from `current` to `target`."""
    keys = [p.key for p in runbook.phases]
    if current not in keys or target not in keys:
        return []
    start, end = keys.index(current), keys.index(target)
    return keys[start + 1 : end] if end > start else []


def timedelta_or_none(seconds: int | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds is not None else None
