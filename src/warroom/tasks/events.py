"""The timeline event kinds the tasks domain records."""

from __future__ import annotations

from warroom.timeline.model import EventKind

KINDS = (
    EventKind("task_completed", "A runbook task was done"),
    EventKind("task_reopened", "A done task was undone"),
)
