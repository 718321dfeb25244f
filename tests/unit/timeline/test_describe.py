"""Timeline events in words: every kind main writes, with the data its writer records."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.timeline.describe import KNOWN_KINDS, describe

# What each writer records today (incidents, tasks, paging and alerts services).
EVENTS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "incident_declared": (
        {
            "ref": "incident-2025-11-01-0001",
            "title": "Checkout API returns 500s",
            "severity": "SEV-1",
            "services": ["api-service", "db"],
            "summary": "",
            "incident_commander": "alice",
            "response_due_at": "2025-11-01T12:15:00+00:00",
            "phase": "triage",
            "tasks": 12,
            "symptoms": [],
            "runbook": "Incident Response Runbook",
            "opened_by_alert": {"source": "alertmanager", "dedup_key": "abc"},
        },
        [
            "Declared SEV-1: Checkout API returns 500s",
            "services api-service, db",
            "commander alice",
            "response due 2025-11-01 12:15 UTC",
            "opened by an alert from alertmanager",
        ],
    ),
    "incident_acknowledged": (
        {
            "response_due_at": "2025-11-01T12:15:00+00:00",
            "response_breached": True,
            "seconds_to_acknowledge": 1230.0,
        },
        ["Acknowledged 20 min 30 s after declaration", "response time had run out"],
    ),
    "severity_changed": (
        {"from": "SEV-1", "to": "SEV-2", "response_due_at": "2025-11-01T13:00:00+00:00"},
        ["Severity changed from SEV-1 to SEV-2"],
    ),
    "title_changed": ({"from": "a", "to": "Orders slow"}, ["Title changed to: Orders slow"]),
    "summary_changed": ({"summary": "pool exhausted"}, ["Summary updated: pool exhausted"]),
    "services_changed": ({"from": [], "to": ["api", "db"]}, ["from none to api, db"]),
    "role_assigned": (
        {"role": "engineering_lead", "person": "dave", "previous": "alice"},
        ["dave is now engineering lead (was alice)"],
    ),
    "role_unassigned": (
        {"role": "engineering_lead", "person": "dave"},
        ["dave is no longer engineering lead"],
    ),
    "note_added": ({"text": "connection pool exhausted"}, ["Note: connection pool exhausted"]),
    "assessment_recorded": (
        {
            "user_impact": "checkout fails",
            "systems_impacted": ["api", "db"],
            "data_at_risk": False,
            "security_incident": True,
            "answers": {"customer_tier": "enterprise"},
        },
        [
            "user impact: checkout fails",
            "systems impacted: api, db",
            "data at risk: no",
            "security incident: yes",
            "customer tier: enterprise",
        ],
    ),
    "status_changed": (
        {"from": "investigating", "to": "identified", "note": "bad deploy"},
        ["Status changed from investigating to identified: bad deploy"],
    ),
    "incident_resolved": (
        {"from": "monitoring", "summary": "rolled back", "phase": "postmortem"},
        ["Resolved: rolled back"],
    ),
    "incident_reopened": (
        {"reason": "errors are back", "previously_resolved_at": "2025-11-01T13:00:00+00:00"},
        ["Reopened: errors are back"],
    ),
    "phase_changed": (
        {"from": "triage", "to": "mitigation", "skipped": ["investigation"], "note": ""},
        ["Phase changed from triage to mitigation, skipping investigation"],
    ),
    "symptoms_recorded": (
        {"symptoms": ["slow queries", "timeouts"]},
        ["Symptoms recorded: slow queries, timeouts"],
    ),
    "task_completed": (
        {"task": 3, "phase": "triage", "text": "Assess severity", "note": "SEV-1"},
        ["Task 3 done: Assess severity", "note: SEV-1"],
    ),
    "task_reopened": ({"task": 3, "text": "Assess severity"}, ["Task 3 reopened: Assess"]),
    "escalation_step": (
        {
            "policy": "runbook",
            "step": 2,
            "round": 2,
            "label": "Engineering lead",
            "targets": ["position:engineering_lead"],
            "people": ["alice", "bob"],
            "unresolved": ["nobody on call for schedule primary"],
            "no_contact_method": ["carol"],
        },
        [
            "Escalation step 2 (Engineering lead), round 2: paging alice, bob",
            "not found: nobody on call for schedule primary",
            "no way to reach carol",
        ],
    ),
    "escalation_skipped": (
        {"step": 1, "reason": "nobody on call for schedule primary"},
        ["Escalation step 1 skipped", "nobody on call for schedule primary"],
    ),
    "page_sent": (
        {"ref": "incident-2025-11-01-0001", "person": "alice", "method": "email", "step": "r1s1"},
        ["Paged alice by email"],
    ),
    "page_failed": (
        {"person": "alice", "method": "email", "error": "SMTP 550 mailbox unavailable"},
        ["Page to alice by email failed: SMTP 550 mailbox unavailable"],
    ),
    "page_suppressed": (
        {"person": "alice", "method": "email", "reason": "1 a minute", "suppressed_total": 4},
        ["Page to alice by email held back: 1 a minute (4 held back so far)"],
    ),
    "response_sla_warning": (
        {"response_due_at": "2025-11-01T12:15:00+00:00", "told": ["alice"]},
        ["Response time nearly up", "(due 2025-11-01 12:15 UTC)", "told alice"],
    ),
    "response_sla_breached": (
        {"response_due_at": "2025-11-01T12:15:00+00:00"},
        ["Response time breached: not acknowledged by 2025-11-01 12:15 UTC"],
    ),
    "alert_attached": (
        {
            "source": "alertmanager",
            "dedup_key": "k",
            "summary": "Postgres down",
            "severity": "critical",
            "labels": {"alertname": "PostgresDown"},
            "refired": True,
            "route": "default",
        },
        ["Alert from alertmanager fired again: Postgres down (critical)"],
    ),
    "alert_resolved": (
        {"dedup_key": "k", "summary": "Postgres down", "resolved_by": "sender"},
        ["Alert resolved by sender: Postgres down"],
    ),
    "all_alerts_resolved": ({"auto_resolve": True}, ["All alerts resolved", "resolves itself"]),
    "alert_acknowledged": (
        {
            "source": "pagerduty",
            "dedup_key": "k",
            "summary": "Pool exhausted",
            "incident_not_acknowledged": "declared_by_a_person",
            "other_alerts_firing": 2,
        },
        [
            "Alert acknowledged by pagerduty: Pool exhausted",
            "stays unacknowledged",
            "a person declared it; 2 other alerts are firing",
        ],
    ),
}


def _listed(n: int, refired: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "dedup_key": f"k{i}",
            "summary": f"HighErrorRate on h{i}",
            "severity": "critical" if i == 0 else "error",
            "labels": {"alertname": "HighErrorRate", "instance": f"h{i}"},
            "refired": i < refired,
        }
        for i in range(n)
    ]


# The other shapes of a kind's data: several alerts one intake transaction attached to
# (or resolved on) one incident are one event listing up to 50 of them.
SHAPES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "alert_attached",
        {
            "source": "alertmanager",
            "count": 12,
            "summary": "HighErrorRate on 12 hosts (h0, h1, h2, …)",
            "severity": "critical",
            "refired": 2,
            "route": "default",
            "alerts": _listed(12, refired=2),
            "more": 0,
        },
        [
            "12 alerts from alertmanager attached: HighErrorRate on 12 hosts (h0, h1, h2, …) "
            "(critical); 2 fired again"
        ],
    ),
    (
        "alert_attached",
        {
            "source": "alertmanager",
            "count": 1200,
            "summary": "HighErrorRate on 1200 hosts (h0, h1, h2, …)",
            "severity": "error",
            "refired": 1200,
            "route": "default",
            "alerts": _listed(50, refired=50),
            "more": 1150,
        },
        ["1,200 alerts from alertmanager fired again: HighErrorRate on 1200 hosts", "(error)"],
    ),
    (
        "alert_resolved",
        {
            "count": 12,
            "summary": "HighErrorRate on 12 hosts (h0, h1, h2, …)",
            "alerts": _listed(12),
            "more": 0,
            "resolved_by": "source",
        },
        ["12 alerts resolved by source: HighErrorRate on 12 hosts (h0, h1, h2, …)"],
    ),
]

REPR = re.compile(r"[{}\[\]'\"]|\bTrue\b|\bFalse\b|\bNone\b")


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [*((kind, data, expected) for kind, (data, expected) in sorted(EVENTS.items())), *SHAPES],
)
def test_every_kind_main_writes_reads_as_a_sentence(
    kind: str, data: dict[str, Any], expected: list[str]
) -> None:
    text = describe(kind, data)
    for part in expected:
        assert part in text, (kind, text)
    assert not REPR.search(text), (kind, text)
    assert "\n" not in text


def test_the_known_kinds_are_exactly_the_ones_covered_here() -> None:
    assert set(EVENTS) == KNOWN_KINDS


def test_a_writers_message_wins_and_an_unknown_kind_still_reads() -> None:
    message = "Severity raised to SEV-1 by alert PostgresDown"
    assert describe("severity_changed", {"from": "SEV-2", "message": message}) == message
    assert describe("monitoring_started", {"message": f"  {message} "}) == message
    text = describe("alert_acknowledged", {"dedup_key": "db-1", "by": ["pd", "am"], "n": 2.0})
    assert text == "Alert acknowledged: dedup key: db-1; by: pd, am; n: 2"
    assert describe("mystery", {}) == "Mystery"
    assert describe("", None) == "Event"


def test_data_of_an_unexpected_shape_falls_back_to_words() -> None:
    text = describe("incident_acknowledged", {"seconds_to_acknowledge": "soon"})
    assert text == "Incident acknowledged: seconds to acknowledge: soon"


_plain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -", max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _plain,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_plain.filter(bool), children, max_size=4)
    ),
    max_leaves=8,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(KNOWN_KINDS)) | _plain.map(lambda s: f"new_{s}"),
    data=st.dictionaries(st.sampled_from(["from", "to", "text", "x", "people"]) | _plain, _json),
)
def test_no_data_ever_shows_as_a_repr(kind: str, data: dict[str, Any]) -> None:
    data.pop("message", None)
    text = describe(kind, data)
    assert text
    assert not REPR.search(text), text


def test_a_task_warroom_ticked_names_the_event_that_did_it() -> None:
    text = describe(
        "task_completed",
        {
            "task": 1,
            "phase": "detection",
            "text": "Acknowledge the alert",
            "ticked_by": {"event": 12, "kind": "incident_acknowledged"},
        },
    )
    assert text == "Task 1 done: Acknowledge the alert (ticked by event 12: incident acknowledged)"


def test_a_task_warroom_reopened_names_the_event_that_undid_it() -> None:
    text = describe(
        "task_reopened",
        {
            "task": 5,
            "text": "Assemble team",
            "reopened_by": {"event": 9, "kind": "role_unassigned"},
        },
    )
    assert text == "Task 5 reopened: Assemble team (by event 9: role unassigned)"
