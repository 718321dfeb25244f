"""`GET …/timeline?visibility=public` (issue 13): only the kinds a status page may show,
never an internal one, on SQLite and PostgreSQL, after an incident went through every
kind of change a person and a sender can make."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Api
from warroom.domains import EVENT_KINDS, PUBLIC_KINDS


def kinds(http: httpx.Client, ref: str, **params: Any) -> list[str]:
    response = http.get(f"/api/v1/incidents/{ref}/timeline", params=params)
    assert response.status_code == 200, response.text
    return [event["kind"] for event in response.json()["items"]]


def test_the_public_timeline_holds_no_internal_kind(http: httpx.Client, api: Api) -> None:
    key = http.post("/api/v1/integrations", json={"name": "hooks", "kind": "generic"}).json()["key"]
    ref = http.post(
        "/api/v1/incidents",
        json={"title": "Checkout down", "severity": "SEV-2", "services": ["api"]},
    ).json()["ref"]
    base = f"/api/v1/incidents/{ref}"
    for method, path, body in (
        ("POST", "/acknowledge", None),
        ("POST", "/notes", {"text": "customer 42 reports card declines"}),
        ("PATCH", "", {"severity": "SEV-1", "title": "Checkout and cart down"}),
        ("PUT", "/roles/scribe", {"person": "bob"}),
        ("PATCH", "/assessment", {"user_impact": "checkout fails", "security_incident": False}),
        ("POST", "/status", {"status": "identified"}),
        ("POST", "/phase", {"phase": "next"}),
        ("POST", "/status", {"status": "monitoring"}),
        ("POST", "/resolve", {"summary": "rolled back"}),
        ("POST", "/reopen", {"reason": "declines again"}),
    ):
        answer = http.request(method, base + path, json=body)
        assert answer.status_code < 300, (path, answer.text)
        if path == "/roles/scribe":
            open_task = next(t for t in http.get(f"{base}/tasks").json() if not t["done_at"])
            done = http.post(f"{base}/tasks/{open_task['number']}/done")
            assert done.status_code == 200, done.text
    alert = {"title": "5xx on checkout", "severity": "critical", "service": "api"}
    with httpx.Client(base_url=api.url, timeout=60) as sender:
        assert sender.post(f"/api/v1/integrations/{key}/generic", json=alert).status_code == 202

    everything = kinds(http, ref)
    public = kinds(http, ref, visibility="public")
    internal = kinds(http, ref, visibility="internal")
    assert len(set(everything) - PUBLIC_KINDS) >= 8  # a rich internal timeline
    assert public and set(public) <= PUBLIC_KINDS
    assert {"incident_declared", "status_changed", "incident_resolved"} <= set(public)
    assert not set(internal) & PUBLIC_KINDS
    assert sorted(public + internal) == sorted(everything)
    assert all(kind in EVENT_KINDS for kind in everything)

    refused = http.get(f"{base}/timeline", params={"visibility": "secret"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "visibility"
