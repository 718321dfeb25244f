"""The timeline event kinds the alerts domain records."""

from __future__ import annotations

from warroom.timeline.model import EventKind

KINDS = (
    EventKind("alert_attached", "Alerts joined the incident"),
    EventKind("alert_resolved", "An alert of the incident resolved"),
    EventKind("alert_acknowledged", "A sender acknowledged one of the incident's alerts"),
    EventKind("all_alerts_resolved", "Every alert of the incident has resolved"),
)
