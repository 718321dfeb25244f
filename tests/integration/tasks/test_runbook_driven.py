"""Incidents run by their runbook: tasks with deadlines, phases, playbooks, actions."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from tests.conftest import FIXTURES, Api
from tests.integration.conftest import declare
from warroom.config import parse_config
from warroom.runbooks.models import RunbookAction


def test_declare_creates_tasks_from_every_phase_checklist_with_deadlines(
    http: httpx.Client,
) -> None:
    incident = declare(http)
    ref = incident["ref"]
    assert incident["phase"] == "triage"
    assert incident["phase_due_at"] == "2025-11-01T12:15:00Z"  # triage: 5-15 minutes
    assert incident["runbook"]["title"] == "Incident Response Runbook"
    tasks = http.get(f"/api/v1/incidents/{ref}/tasks").json()
    by_text = {t["text"]: t for t in tasks}
    # Phase 1 detection (0-5 min), phase 2 triage (5-15), phase 3 investigation (15-60).
    assert by_text["Acknowledge the alert"]["due_at"] == "2025-11-01T12:05:00Z"
    assert by_text["Declare incident: /incident-declare sev-1"]["due_at"] == "2025-11-01T12:15:00Z"
    assert by_text["Check recent deployments (last 24 hours)"]["due_at"] == "2025-11-01T13:00:00Z"
    assert by_text["Check recent deployments (last 24 hours)"]["phase"] == "investigation"
    # Mitigation is immediate: no deadline. Postmortem waits for resolution.
    assert by_text["Rollback recent deployment"]["due_at"] is None
    summary = next(t for t in tasks if t["text"].startswith("Summary"))
    assert summary["phase"] == "postmortem"
    assert summary["due_at"] is None
    # Sub-items keep their parent and their severity condition.
    assemble = next(t for t in tasks if t["text"].startswith("Assemble team"))
    children = [t for t in tasks if t["parent"] == assemble["number"]]
    assert [c["text"] for c in children] == [
        "Engineering lead",
        "On-call engineer",
        "Product manager (SEV-1/2)",
        "Communications lead (SEV-1)",
    ]
    investigation = [t["text"] for t in tasks if t["phase"] == "investigation"]
    assert investigation == [
        "Check recent deployments (last 24 hours)",
        "Review error logs and traces",
        "Check infrastructure metrics (CPU, memory, disk)",
        "Verify third-party service status",
        "Check database performance",
        "Review security alerts",
    ]
    assert incident["tasks"]["overdue"] == 0
    assert incident["tasks"]["total"] == len(tasks)


def test_severity_conditions_on_tasks(http: httpx.Client) -> None:
    ref = declare(http, severity="sev-3")["ref"]
    tasks = http.get(f"/api/v1/incidents/{ref}/tasks").json()
    applies = {t["text"]: t["applies"] for t in tasks}
    assert applies["Product manager (SEV-1/2)"] is False
    assert applies["Engineering lead"] is True
    http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-2"})
    tasks = http.get(f"/api/v1/incidents/{ref}/tasks").json()
    applies = {t["text"]: t["applies"] for t in tasks}
    assert applies["Product manager (SEV-1/2)"] is True
    assert applies["Communications lead (SEV-1)"] is False


def test_overdue_tasks_and_phase_and_postmortem_deadline(http: httpx.Client, api: Api) -> None:
    ref = declare(http)["ref"]
    ack = next(
        t
        for t in http.get(f"/api/v1/incidents/{ref}/tasks").json()
        if t["text"] == "Acknowledge the alert"
    )
    done = http.post(
        f"/api/v1/incidents/{ref}/tasks/{ack['number']}/done", json={"note": "paged"}
    ).json()
    assert done["done_by"] == "admin"
    assert done["note"] == "paged"
    again = http.post(f"/api/v1/incidents/{ref}/tasks/{ack['number']}/done", json={})
    assert again.status_code == 409
    assert http.post(f"/api/v1/incidents/{ref}/tasks/999/done", json={}).status_code == 404

    api.clock.advance(timedelta(minutes=20))
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["phase_overdue"] is True  # still in triage after its 15 minutes
    overdue = [t["text"] for t in http.get(f"/api/v1/incidents/{ref}/tasks").json() if t["overdue"]]
    assert "Assess severity" in overdue  # detection, due at 5 min
    assert "Acknowledge the alert" not in overdue  # done in time
    assert "Check database performance" not in overdue  # investigation: due at 60 min
    assert incident["tasks"]["overdue"] == len(overdue)

    http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "rolled back"})
    summary = next(
        t
        for t in http.get(f"/api/v1/incidents/{ref}/tasks").json()
        if t["text"].startswith("Summary")
    )
    assert summary["due_at"] == "2025-11-03T12:20:00Z"  # postmortem within 48 h of resolution
    resolved = http.get(f"/api/v1/incidents/{ref}").json()
    assert resolved["phase"] == "postmortem"
    assert resolved["phase_due_at"] == "2025-11-03T12:20:00Z"


def test_phase_moves_record_skips_and_refuse_unknown_phases(http: httpx.Client) -> None:
    ref = declare(http)["ref"]
    moved = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "next"}).json()
    assert moved["phase"] == "investigation"
    moved = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "6"}).json()
    assert moved["phase"] == "resolution"
    events = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    jumps = [e["data"] for e in events if e["kind"] == "phase_changed"]
    assert jumps[0] == {"from": "triage", "to": "investigation", "skipped": [], "note": ""}
    assert jumps[1]["skipped"] == ["mitigation", "communication"]
    bad = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "panic"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "phase"
    assert "investigation" in bad.json()["error"]["message"]
    same = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "resolution"})
    assert same.status_code == 409
    phases = http.get(f"/api/v1/incidents/{ref}/phase").json()
    assert [p["key"] for p in phases["phases"]] == [
        "detection",
        "triage",
        "investigation",
        "mitigation",
        "communication",
        "resolution",
        "postmortem",
    ]
    assert [p["current"] for p in phases["phases"]].index(True) == 5


def test_a_phase_move_the_state_contradicts_is_refused_with_the_reason(
    http: httpx.Client,
) -> None:
    ref = declare(http)["ref"]
    early = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "postmortem"})
    assert early.status_code == 422
    error = early.json()["error"]
    assert error["field"] == "phase"
    assert error["message"] == (
        f"cannot move {ref} to postmortem: Postmortem comes after resolution "
        "(within 48 hours of resolving); resolve the incident first"
    )
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["phase"] == "triage"
    events = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    assert "phase_changed" not in [e["kind"] for e in events]

    http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "rolled back"})
    back = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "investigation"})
    assert back.status_code == 422
    assert "is resolved" in back.json()["error"]["message"]
    assert "reopen it first" in back.json()["error"]["message"]
    # Phases with no live deadline fit a resolved incident.
    moved = http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "resolution"})
    assert moved.status_code == 200
    assert http.post(f"/api/v1/incidents/{ref}/phase", json={"phase": "next"}).status_code == 200


def test_symptoms_suggest_a_playbook_and_say_why(http: httpx.Client) -> None:
    ref = declare(http, symptoms=["connection pool exhausted on orders-db"])["ref"]
    book = http.get(f"/api/v1/incidents/{ref}/playbook").json()
    top = book["suggestions"][0]
    assert top["incident_type"] == "Database Issues"
    assert top["matched"] == [
        {
            "symptom": "Connection pool exhausted",
            "reported": "connection pool exhausted on orders-db",
            "words": ["connection", "exhaust", "pool"],
        }
    ]
    assert "SELECT * FROM pg_locks WHERE NOT granted;" in top["investigation"][0]["commands"]
    assert "Kill long-running queries" in top["resolution"]

    later = http.post(
        f"/api/v1/incidents/{ref}/symptoms", json={"symptoms": ["timeouts to external APIs"]}
    ).json()
    names = [s["incident_type"] for s in later["suggestions"]]
    assert "Third-Party Service Down" in names
    assert later["symptoms"] == [
        "connection pool exhausted on orders-db",
        "timeouts to external APIs",
    ]
    tried = http.get(
        f"/api/v1/incidents/{ref}/playbook", params={"symptom": ["Increased latency"]}
    ).json()
    assert "High Traffic Spike" in [s["incident_type"] for s in tried["suggestions"]]
    assert tried["not_recorded"] == ["Increased latency"]
    assert http.get(f"/api/v1/incidents/{ref}").json()["symptoms"] == later["symptoms"]
    unrelated = declare(http, symptoms=["the logo is purple"])["ref"]
    assert http.get(f"/api/v1/incidents/{unrelated}/playbook").json()["suggestions"] == []


def test_assessment_questions_are_fields(http: httpx.Client) -> None:
    ref = declare(http)["ref"]
    http.patch(
        f"/api/v1/incidents/{ref}/assessment",
        json={"user_impact": "checkout fails", "security_incident": False},
    )
    questions = http.get(f"/api/v1/incidents/{ref}").json()["assessment_questions"]
    assert questions == [
        {"key": "user_impact", "question": "What is the user impact?", "answer": "checkout fails"},
        {"key": "users_affected", "question": "How many users affected?", "answer": None},
        {"key": "systems_impacted", "question": "What systems are impacted?", "answer": None},
        {"key": "data_at_risk", "question": "Is data at risk?", "answer": None},
        {"key": "security_incident", "question": "Is this a security incident?", "answer": False},
    ]
    bad = http.patch(f"/api/v1/incidents/{ref}/assessment", json={"answers": {"vibes": "bad"}})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "answers.vibes"


def test_runbook_actions_are_stored_as_definitions(http: httpx.Client, api: Api) -> None:
    declare(http)
    with api.db.read() as session:
        actions = {a.name: a for a in session.scalars(select(RunbookAction))}
    scale = next(a for a in actions.values() if a.argv[:2] == ["kubectl", "scale"])
    assert scale.kind == "mitigation"
    params = {p["name"]: p for p in scale.parameters}
    assert params["replicas"]["type"] == "int"
    assert params["replicas"]["default"] == 10
    assert params["service"]["default"] == "api-service"
    flag = next(a for a in actions.values() if a.argv and a.argv[0] == "/feature-flag-toggle")
    assert {p["name"] for p in flag.parameters} >= {"flag", "state"}
    assert any(a.kind == "diagnostic" for a in actions.values())


def test_a_service_can_have_its_own_runbook(http: httpx.Client, api: Api, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "runbooks" / "priorities_p1_p5.md", tmp_path / "checkout.md")
    config = parse_config(
        "services:\n  - name: checkout\n    runbook: checkout.md\n  - name: api-service\n",
        str(tmp_path / "warroom.yaml"),
    )
    api.configure(config)
    incident = declare(http, severity="p2", services=["checkout"])
    assert incident["severity"] == "P2"
    assert incident["response_due_at"] == "2025-11-01T12:30:00Z"  # P2: 30 min
    assert incident["runbook"]["title"] == "Checkout Platform On-Call Runbook"
    default = declare(http, severity="sev-2", services=["api-service"])
    assert default["runbook"]["title"] == "Incident Response Runbook"
    refused = http.post(
        "/api/v1/incidents", json={"title": "x", "severity": "sev-1", "services": ["checkout"]}
    )
    assert refused.status_code == 422
    assert "P1" in refused.json()["error"]["message"]
