"""An automated acknowledge acknowledges an alert, not a person's incident (issue 11.4):
over real HTTP, PagerDuty Events API v2 on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api
from warroom.engine.models import Job
from warroom.incidents.models import Incident


@pytest.fixture
def key(http: httpx.Client) -> str:
    created = http.post("/api/v1/integrations", json={"name": "pd", "kind": "pagerduty"})
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def send(api: Api, key: str, action: str, dedup_key: str, **payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"routing_key": key, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        event["payload"] = {
            "summary": f"{dedup_key} failing",
            "source": "host-1",
            "severity": "critical",
            "component": "api-service",
            **payload,
        }
    response = httpx.post(f"{api.url}/v2/enqueue", json=event)
    assert response.status_code == 202, response.text
    return dict(response.json())


def incident(http: httpx.Client, ref: str) -> dict[str, Any]:
    return dict(http.get(f"/api/v1/incidents/{ref}").json())


def alert(http: httpx.Client, dedup_key: str) -> dict[str, Any]:
    return next(a for a in http.get("/api/v1/alerts").json() if a["dedup_key"] == dedup_key)


def pending_escalation(api: Api, ref: str) -> int:
    with api.db.read() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
        jobs = session.scalars(
            select(Job).where(
                Job.incident_id == incident_id,
                Job.kind == "escalation_step",
                Job.status == "pending",
            )
        )
        return len(list(jobs))


def acknowledged_text(http: httpx.Client, ref: str) -> list[str]:
    items = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return [e["text"] for e in items if e["kind"] == "alert_acknowledged"]


def test_an_acknowledge_does_not_silence_an_incident_a_person_declared(
    http: httpx.Client, api: Api, key: str
) -> None:
    ref = http.post(
        "/api/v1/incidents",
        json={"title": "Checkout down", "severity": "sev-1", "services": ["api-service"]},
    ).json()["ref"]
    send(api, key, "trigger", "db-pool")
    send(api, key, "trigger", "api-5xx")
    assert alert(http, "db-pool")["incident"] == ref
    escalating = pending_escalation(api, ref)
    assert escalating > 0

    send(api, key, "acknowledge", "db-pool")
    after = incident(http, ref)
    assert after["acknowledged_at"] is None
    assert pending_escalation(api, ref) == escalating  # still escalating
    assert alert(http, "db-pool")["acknowledged_at"] is not None
    assert alert(http, "api-5xx")["acknowledged_at"] is None
    [said] = acknowledged_text(http, ref)
    assert said.startswith("Alert acknowledged by pagerduty: db-pool failing")
    assert "stays unacknowledged" in said and "a person declared it" in said, said
    assert "1 other alert is firing" in said, said

    send(api, key, "acknowledge", "db-pool")  # again: nothing more
    assert len(acknowledged_text(http, ref)) == 1


def test_an_acknowledge_of_one_of_several_firing_alerts_acknowledges_that_alert(
    http: httpx.Client, api: Api, key: str
) -> None:
    send(api, key, "trigger", "db-pool")
    ref = alert(http, "db-pool")["incident"]
    send(api, key, "trigger", "api-5xx")
    assert alert(http, "api-5xx")["incident"] == ref

    send(api, key, "acknowledge", "db-pool")  # it opened the incident, but is not alone
    assert incident(http, ref)["acknowledged_at"] is None
    [said] = acknowledged_text(http, ref)
    assert "1 other alert is still firing" in said, said

    send(api, key, "resolve", "api-5xx")
    send(api, key, "acknowledge", "api-5xx")  # resolved: nothing to acknowledge
    assert incident(http, ref)["acknowledged_at"] is None
    # Now alone, the alert that opened it: acknowledging it again acknowledges the incident.
    send(api, key, "acknowledge", "db-pool")
    assert incident(http, ref)["acknowledged_by"] == "integration:pd"
    assert len(acknowledged_text(http, ref)) == 1


def test_the_only_alert_that_opened_an_incident_acknowledges_it(
    http: httpx.Client, api: Api, key: str
) -> None:
    send(api, key, "trigger", "db-pool")
    ref = alert(http, "db-pool")["incident"]
    assert pending_escalation(api, ref) > 0
    send(api, key, "acknowledge", "db-pool")
    acknowledged = incident(http, ref)
    assert acknowledged["acknowledged_by"] == "integration:pd"
    assert pending_escalation(api, ref) == 0
    assert acknowledged_text(http, ref) == []
