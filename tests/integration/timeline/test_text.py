"""Timeline events carry their sentence (`text`) over the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx

REPR = re.compile(r"[{}\[\]'\"]|\bTrue\b|\bFalse\b|\bNone\b")


def test_every_event_of_an_incidents_life_reads_in_words(http: httpx.Client) -> None:
    declared = http.post(
        "/api/v1/incidents",
        json={"title": "Checkout API returns 500s", "severity": "sev-1", "services": ["api"]},
    )
    assert declared.status_code == 201, declared.text
    ref = declared.json()["ref"]
    path = f"/api/v1/incidents/{ref}"
    assert http.post(f"{path}/acknowledge").status_code == 200
    assessed = http.patch(
        f"{path}/assessment",
        json={"systems_impacted": ["api", "db"], "data_at_risk": False, "user_impact": "none"},
    )
    assert assessed.status_code == 200, assessed.text
    first = next(t for t in http.get(f"{path}/tasks").json() if not t["done_at"])["number"]
    assert http.post(f"{path}/tasks/{first}/done", json={"note": "paged"}).status_code == 200
    assert http.delete(f"{path}/tasks/{first}/done").status_code == 200
    assert http.patch(path, json={"severity": "sev-2"}).status_code == 200
    assert http.post(f"{path}/phase", json={"phase": "mitigation"}).status_code == 200
    note = http.post(f"{path}/notes", json={"text": "pool exhausted"}).json()
    assert note["text"] == "Note: pool exhausted"
    assert http.post(f"{path}/resolve", json={"summary": "rolled back"}).status_code == 200

    events = http.get(f"{path}/timeline").json()["items"]
    texts = {e["kind"]: e["text"] for e in events}
    assert texts["incident_declared"].startswith("Declared SEV-1: Checkout API returns 500s")
    assert texts["incident_acknowledged"] == "Acknowledged at declaration"
    assert texts["assessment_recorded"] == (
        "Assessment recorded: user impact: none; systems impacted: api, db; data at risk: no"
    )
    assert texts["task_reopened"].startswith(f"Task {first} reopened: ")
    ack = next(e["id"] for e in events if e["kind"] == "incident_acknowledged")
    ticked = [e["text"] for e in events if e["kind"] == "task_completed"]
    assert f"Task 1 done: Acknowledge the alert (ticked by event {ack}: incident acknowledged)" in (
        ticked
    )
    assert texts["severity_changed"] == "Severity changed from SEV-1 to SEV-2"
    assert texts["phase_changed"].startswith("Phase changed from triage to mitigation, skipping")
    assert texts["incident_resolved"].startswith("Resolved: rolled back (roles missing: ")
    for event in events:
        assert event["text"] and not REPR.search(event["text"]), event

    spec = http.get("/openapi.json").json()["components"]["schemas"]["TimelineEventOut"]
    assert "text" in spec["properties"]
