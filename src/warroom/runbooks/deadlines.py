"""When a phase is due. Pure.

A phase window gives a deadline measured from an anchor: declaration ("15-60 minutes" →
60 min after declaring), mitigation, or resolution ("Within 48 hours" of resolving, for
the postmortem). "Immediate" and "throughout" windows have no deadline: do it now, or
all along. The incident's answer shows its phase's deadline and the tasks domain dates
each checklist item by it, so both read it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.runbooks.model import Phase, PhaseWindow


@dataclass(frozen=True)
class Anchors:
    declared_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None

    def time(self, anchor: str) -> datetime | None:
        return {
            "declaration": self.declared_at,
            "mitigation": self.mitigated_at,
            "resolution": self.resolved_at,
        }.get(anchor)


def deadline_offset(window: PhaseWindow) -> timedelta | None:
    if window.kind in ("range", "within") and window.end is not None:
        return window.end
    return None


def due(anchor: str, offset: timedelta | None, anchors: Anchors) -> datetime | None:
    start = anchors.time(anchor)
    return start + offset if start is not None and offset is not None else None


def phase_due(phase: Phase, anchors: Anchors) -> datetime | None:
    return due(phase.window.anchor, deadline_offset(phase.window), anchors)


def overdue(due_at: datetime | None, done: bool, now: datetime) -> bool:
    return due_at is not None and not done and now > due_at
