"""Intake as senders configure it, over real HTTP: Datadog's default payload, one kind
per integration (a key works on its own format's endpoint only), and change events
stored once however often they are retried."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from warroom.alerts.models import Alert, AlertDelivery, ChangeEvent

PAYLOADS = Path(__file__).parents[2] / "unit" / "alerts" / "payloads"


def integration(http: httpx.Client, kind: str, name: str | None = None) -> dict[str, Any]:
    created = http.post("/api/v1/integrations", json={"name": name or kind, "kind": kind})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def count(api: Api, model: type) -> int:
    with api.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def datadog_default(**fields: Any) -> dict[str, Any]:
    """Datadog's default webhook payload, as Datadog renders it (every value a string)."""
    body: dict[str, Any] = json.loads((PAYLOADS / "datadog_default.json").read_text())
    body.update(fields)
    return body


# --- Datadog's default payload -----------------------------------------------------------


def test_datadog_default_payload_opens_and_recovery_resolves(http: httpx.Client, api: Api) -> None:
    key = integration(http, "datadog")["key"]
    url = f"{api.url}/api/v1/integrations/{key}/datadog"

    triggered = httpx.post(url, json=datadog_default())
    assert triggered.status_code == 202, triggered.text
    assert triggered.json()["created"] == 1
    ref = triggered.json()["incidents_opened"][0]
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["severity"] == "SEV-2"  # a monitor that notifies: error
    assert incident["services"] == ["checkout"]  # from the group's scope

    renotified = httpx.post(url, json=datadog_default(id="7485739245016820001"))
    assert renotified.json()["updated"] == 1  # the same alert, not another

    recovered = httpx.post(
        url,
        json=datadog_default(
            id="7485739245016829999",
            title="[P2] [Recovered on {host:web-3,service:checkout}] Checkout 5xx rate is high",
            body="%%%\nCheckout 5xx rate is high was marked as recovered\n%%%",
            date="1762000665000",
            last_updated="1762000665000",
        ),
    )
    assert recovered.status_code == 202, recovered.text
    assert recovered.json()["resolved"] == 1
    alerts = http.get("/api/v1/alerts").json()
    assert [(a["source"], a["status"], a["occurrences"]) for a in alerts] == [
        ("datadog", "resolved", 2)
    ]


# --- one kind per integration ------------------------------------------------------------


def test_a_key_is_refused_on_another_formats_endpoint(http: httpx.Client, api: Api) -> None:
    datadog_key = integration(http, "datadog")["key"]
    am_key = integration(http, "alertmanager")["key"]
    pd_key = integration(http, "pagerduty")["key"]

    on_alertmanager = httpx.post(
        f"{api.url}/api/v1/integrations/{datadog_key}/alertmanager",
        json={"version": "4", "status": "firing", "alerts": []},
    )
    assert on_alertmanager.status_code == 403
    error = on_alertmanager.json()["error"]
    assert error["code"] == "wrong_integration_kind"
    assert "datadog integration" in error["message"]
    assert "POST /api/v1/integrations/{key}/datadog" in error["message"]
    assert datadog_key not in on_alertmanager.text  # the key is a secret

    on_generic = httpx.post(
        f"{api.url}/api/v1/integrations/{pd_key}/generic",
        json={"title": "t", "severity": "critical"},
    )
    assert on_generic.status_code == 403
    assert "POST /v2/enqueue" in on_generic.json()["error"]["message"]
    assert "routing_key" in on_generic.json()["error"]["message"]

    trigger = {
        "routing_key": am_key,
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "x", "severity": "critical"},
    }
    on_events = httpx.post(f"{api.url}/v2/enqueue", json=trigger)
    assert on_events.status_code == 403
    assert on_events.json()["status"] == "invalid event"  # PagerDuty's shape on /v2/*
    assert "alertmanager integration" in on_events.json()["message"]
    assert "POST /api/v1/integrations/{key}/alertmanager" in on_events.json()["errors"][0]

    change = {"routing_key": datadog_key, "payload": {"summary": "Deploy", "source": "ci"}}
    on_changes = httpx.post(f"{api.url}/v2/change/enqueue", json=change)
    assert on_changes.status_code == 403
    assert on_changes.json()["status"] == "invalid event"

    assert (count(api, Alert), count(api, AlertDelivery), count(api, ChangeEvent)) == (0, 0, 0)

    # Each key still works where it belongs.
    assert httpx.post(f"{api.url}/v2/enqueue", json={**trigger, "routing_key": pd_key}).is_success
    change_ok = httpx.post(f"{api.url}/v2/change/enqueue", json={**change, "routing_key": pd_key})
    assert change_ok.status_code == 202
    assert httpx.post(
        f"{api.url}/api/v1/integrations/{datadog_key}/datadog", json=datadog_default()
    ).is_success


@pytest.mark.parametrize("kind", ["alertmanager", "datadog", "grafana", "generic"])
def test_a_created_webhook_integration_shows_only_its_own_url(
    http: httpx.Client, api: Api, kind: str
) -> None:
    created = integration(http, kind)
    assert created["urls"] == {kind: f"{api.url}/api/v1/integrations/{created['key']}/{kind}"}


def test_a_created_pagerduty_integration_shows_the_events_api(http: httpx.Client, api: Api) -> None:
    created = integration(http, "pagerduty")
    assert created["urls"] == {
        "pagerduty_events_v2": f"{api.url}/v2/enqueue",
        "pagerduty_change_events": f"{api.url}/v2/change/enqueue",
    }


# --- change events, once -----------------------------------------------------------------


def test_a_retried_change_is_recorded_once(http: httpx.Client, api: Api) -> None:
    change = {
        "service": "api-service",
        "summary": "Deploy v2.3.1",
        "source": "argo",
        "occurred_at": "2025-11-01T11:30:00Z",
        "details": {"commit": "abc123", "by": "ci"},
        "links": [{"href": "https://ci.example.com/run/7", "text": "run 7"}],
    }
    first = http.post("/api/v1/changes", json=change)
    assert first.status_code == 201, first.text
    assert first.json()["duplicate"] is False

    again = http.post(
        "/api/v1/changes",
        json={
            **change,
            "occurred_at": "2025-11-01T12:30:00+01:00",  # the same instant, another zone
            "details": {"by": "ci", "commit": "abc123"},  # the same details, another order
        },
    )
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert count(api, ChangeEvent) == 1

    later = http.post("/api/v1/changes", json={**change, "occurred_at": "2025-11-01T11:45:00Z"})
    other = http.post("/api/v1/changes", json={**change, "summary": "Deploy v2.3.2"})
    assert (later.status_code, other.status_code) == (201, 201)
    assert count(api, ChangeEvent) == 3


def test_retries_arriving_together_store_one_change(http: httpx.Client, api: Api) -> None:
    change = {"service": "api-service", "summary": "Flag on", "occurred_at": "2025-11-01T11:00Z"}

    def send(_: int) -> int:
        with api.client("responder") as client:
            return client.post("/api/v1/changes", json=change).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(send, range(6)))
    assert codes == [200] * 5 + [201]
    assert count(api, ChangeEvent) == 1


def test_a_retried_pagerduty_change_event_is_recorded_once(http: httpx.Client, api: Api) -> None:
    key = integration(http, "pagerduty")["key"]
    event = json.loads((PAYLOADS / "pagerduty_change.json").read_text())
    event["routing_key"] = key

    first = httpx.post(f"{api.url}/v2/change/enqueue", json=event)
    retry = httpx.post(f"{api.url}/v2/change/enqueue", json=event)
    assert (first.status_code, retry.status_code) == (202, 202)
    assert first.json() == {"status": "success", "message": "Change event processed"}
    assert retry.json() == {"status": "success", "message": "Change event already processed"}
    assert count(api, ChangeEvent) == 1
    listed = http.get("/api/v1/changes", params={"since": "2020-01-01T00:00:00Z"}).json()
    assert [c["summary"] for c in listed] == [event["payload"]["summary"]]
