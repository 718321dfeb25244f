"""The timeline event kinds the incidents domain records."""

from __future__ import annotations

from warroom.timeline.model import EventKind

KINDS = (
    EventKind("incident_declared", "The incident was declared", "public"),
    EventKind("incident_acknowledged", "Someone took the incident"),
    EventKind("status_changed", "The incident's status moved", "public"),
    EventKind("incident_resolved", "The incident was resolved", "public"),
    EventKind("incident_reopened", "A resolved incident was reopened", "public"),
    EventKind("severity_changed", "The severity was changed"),
    EventKind("title_changed", "The title was changed"),
    EventKind("summary_changed", "The summary was changed"),
    EventKind("services_changed", "The affected services were changed"),
    EventKind("role_assigned", "A person took a role"),
    EventKind("role_unassigned", "A role was left empty"),
    EventKind("note_added", "A note"),
    EventKind("assessment_recorded", "The impact assessment was answered"),
    EventKind("phase_changed", "The runbook phase moved"),
    EventKind("symptoms_recorded", "Symptoms were recorded (playbook suggestions)"),
)
