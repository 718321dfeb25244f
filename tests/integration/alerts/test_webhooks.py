"""Alert intake over real HTTP: every format, dedup, grouping, resolution, bad input."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from warroom.alerts.models import Alert, AlertDelivery, ChangeEvent
from warroom.config import parse_config
from warroom.workers import make_worker


@pytest.fixture
def key(http: httpx.Client) -> str:
    response = http.post("/api/v1/integrations", json={"name": "prom", "kind": "alertmanager"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["urls"]["alertmanager"].endswith(
        f"/api/v1/integrations/{created['key']}/alertmanager"
    )
    return str(created["key"])


def am_alert(name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    all_labels = {"alertname": name, "severity": "critical", "service": "api-service", **labels}
    return {
        "status": status,
        "labels": all_labels,
        "annotations": {"summary": f"{name} on {labels.get('instance', 'api-1')}"},
        "startsAt": "2025-11-01T11:58:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fp-{name}-{labels.get('instance', 'api-1')}",
    }


def am_group(*alerts: dict[str, Any], truncated: int = 0) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": truncated,
        "status": status,
        "receiver": "warroom",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def post_am(api: Api, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{api.url}/api/v1/integrations/{key}/alertmanager", json=body)


def count(api: Api, model: type) -> int:
    with api.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def timeline_kinds(http: httpx.Client, ref: str) -> list[str]:
    return [e["kind"] for e in http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]]


def test_alertmanager_group_opens_one_incident_and_dedups_redelivery(
    http: httpx.Client, api: Api, key: str
) -> None:
    body = am_group(
        am_alert("HighErrorRate", instance="api-1"),
        am_alert("HighErrorRate", instance="api-2"),
        truncated=2,
    )
    first = post_am(api, key, body)
    assert first.status_code == 202, first.text
    result = first.json()
    assert result["created"] == 2
    assert len(result["incidents_opened"]) == 1
    ref = result["incidents_opened"][0]
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["severity"] == "SEV-1"  # critical
    assert incident["services"] == ["api-service"]
    assert incident["title"] == "HighErrorRate on 2 hosts (api-1, api-2)"  # the group
    assert timeline_kinds(http, ref).count("alert_attached") == 2
    with api.db.read() as session:
        delivery = session.scalars(select(AlertDelivery)).one()
    assert delivery.truncated_alerts == 2

    api.clock.advance(timedelta(minutes=1))
    again = post_am(api, key, body).json()  # Alertmanager re-sends the same group
    assert (again["created"], again["updated"], again["incidents_opened"]) == (0, 2, [])
    assert count(api, Alert) == 2
    alerts = http.get(f"/api/v1/incidents/{ref}/alerts").json()
    assert [a["occurrences"] for a in alerts] == [2, 2]
    assert http.get("/api/v1/incidents", params={"status": "open"}).json()["items"][0]["ref"] == ref
    assert len(http.get("/api/v1/incidents").json()["items"]) == 1

    resolved = am_group(
        am_alert("HighErrorRate", "resolved", instance="api-1"),
        am_alert("HighErrorRate", "resolved", instance="api-2"),
    )
    assert post_am(api, key, resolved).json()["resolved"] == 2
    kinds = timeline_kinds(http, ref)
    assert kinds.count("alert_resolved") == 2
    assert kinds[-2:] == ["all_alerts_resolved", "status_changed"]
    assert http.get(f"/api/v1/incidents/{ref}").json()["status"] == "monitoring"


def test_a_new_alert_for_a_service_with_an_open_incident_attaches(
    http: httpx.Client, api: Api, key: str
) -> None:
    declared = http.post(
        "/api/v1/incidents",
        json={"title": "Checkout slow", "severity": "sev-2", "services": ["api-service"]},
    ).json()
    result = post_am(api, key, am_group(am_alert("DiskFull"))).json()
    assert result["incidents_opened"] == []
    assert result["incidents_attached"] == [declared["ref"]]
    other = post_am(
        api, key, am_group(am_alert("DiskFull", service="payments", instance="pay-1"))
    ).json()
    assert len(other["incidents_opened"]) == 1


def test_routing_rules_group_by_labels_auto_resolve_and_alert_only(
    http: httpx.Client, api: Api, key: str
) -> None:
    api.configure(
        parse_config(
            """
alert_routing:
  - name: db
    match: {labels: {alertname: "=~Postgres.*"}}
    service: orders-db
    severity: SEV-2
    group_by: [alertname, cluster]
    auto_resolve: true
  - name: noise
    match: {labels: {alertname: Watchdog}}
    severity: none
"""
        )
    )
    a = am_alert("PostgresDown", cluster="eu", instance="db-1")
    b = am_alert("PostgresDown", cluster="eu", instance="db-2")
    c = am_alert("PostgresDown", cluster="us", instance="db-9")
    result = post_am(api, key, am_group(a, b, c)).json()
    assert len(result["incidents_opened"]) == 2  # eu and us are separate groups
    eu = result["incidents_opened"][0]
    incident = http.get(f"/api/v1/incidents/{eu}").json()
    assert (incident["severity"], incident["services"]) == ("SEV-2", ["orders-db"])
    alerts = http.get(f"/api/v1/incidents/{eu}/alerts").json()
    assert len(alerts) == 2
    assert alerts[0]["route"].startswith("rule 0 (db) matched")

    watchdog = post_am(api, key, am_group(am_alert("Watchdog"))).json()
    assert watchdog["created"] == 1
    assert watchdog["incidents_opened"] == watchdog["incidents_attached"] == []

    for alert in (a, b):
        alert["status"] = "resolved"
    post_am(api, key, am_group(a))
    assert http.get(f"/api/v1/incidents/{eu}").json()["status"] == "investigating"
    post_am(api, key, am_group(b))
    # Monitoring; it resolves itself after the runbook's window (test_alerts_quiet).
    assert http.get(f"/api/v1/incidents/{eu}").json()["status"] == "monitoring"


def test_info_alerts_are_recorded_without_an_incident(api: Api, key: str) -> None:
    result = post_am(api, key, am_group(am_alert("Heads-up", severity="info"))).json()
    assert (result["created"], result["incidents_opened"]) == (1, [])


def test_pagerduty_events_v2(http: httpx.Client, api: Api) -> None:
    key = http.post("/api/v1/integrations", json={"name": "pd", "kind": "pagerduty"}).json()["key"]
    trigger = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {
            "summary": "DB connection pool exhausted",
            "source": "orders-db-1",
            "severity": "error",
            "component": "api-service",
            "custom_details": {"pool": "100/100"},
        },
    }
    first = httpx.post(f"{api.url}/v2/enqueue", json=trigger)
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "success"
    assert body["message"] == "Event processed"
    generated = body["dedup_key"]
    assert generated
    with_key = httpx.post(f"{api.url}/v2/enqueue", json={**trigger, "dedup_key": "pool-1"})
    assert with_key.json()["dedup_key"] == "pool-1"
    httpx.post(f"{api.url}/v2/enqueue", json={**trigger, "dedup_key": "pool-1"})
    alerts = {a["dedup_key"]: a for a in http.get("/api/v1/alerts").json()}
    assert alerts["pool-1"]["occurrences"] == 2
    ref = alerts["pool-1"]["incident"]
    assert alerts[generated]["incident"] == ref  # same service, one incident
    assert http.get(f"/api/v1/incidents/{ref}").json()["severity"] == "SEV-2"  # error

    ack = {"routing_key": key, "event_action": "acknowledge", "dedup_key": "pool-1"}
    assert httpx.post(f"{api.url}/v2/enqueue", json=ack).status_code == 202
    # Another alert opened the incident: the alert is acknowledged, not the incident.
    assert http.get(f"/api/v1/incidents/{ref}").json()["acknowledged_at"] is None
    acked = {a["dedup_key"]: a for a in http.get("/api/v1/alerts").json()}["pool-1"]
    assert acked["acknowledged_at"] is not None
    resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": "pool-1"}
    assert httpx.post(f"{api.url}/v2/enqueue", json=resolve).status_code == 202
    assert {a["dedup_key"]: a for a in http.get("/api/v1/alerts").json()}["pool-1"][
        "status"
    ] == "resolved"


def test_pagerduty_bad_input_is_refused_and_stores_nothing(http: httpx.Client, api: Api) -> None:
    key = http.post("/api/v1/integrations", json={"name": "pd", "kind": "pagerduty"}).json()["key"]
    missing = httpx.post(
        f"{api.url}/v2/enqueue",
        json={"routing_key": key, "event_action": "trigger", "payload": {"source": "x"}},
    )
    assert missing.status_code == 400
    assert missing.json()["status"] == "invalid event"
    errors = missing.json()["errors"]
    assert any("payload.summary" in e for e in errors)
    assert any("payload.severity" in e for e in errors)
    unknown = httpx.post(
        f"{api.url}/v2/enqueue",
        json={"routing_key": "0" * 32, "event_action": "trigger", "payload": {}},
    )
    assert unknown.status_code == 404
    assert key not in unknown.text
    no_key = httpx.post(f"{api.url}/v2/enqueue", json={"event_action": "trigger"})
    assert no_key.status_code == 400
    assert "'routing_key' is missing or blank" in no_key.json()["errors"]
    garbage = httpx.post(
        f"{api.url}/v2/enqueue", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert garbage.status_code == 400
    assert "malformed JSON" in garbage.json()["message"]
    huge = httpx.post(
        f"{api.url}/v2/enqueue",
        content=b'{"a": "' + b"x" * (513 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    text = httpx.post(
        f"{api.url}/v2/enqueue", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert text.status_code == 415
    assert count(api, Alert) == 0
    assert http.get("/api/v1/incidents").json()["items"] == []


def test_webhook_bad_input_and_revoked_keys(http: httpx.Client, api: Api, key: str) -> None:
    missing = post_am(api, key, {"version": "4", "alerts": [{"labels": "nope"}]})
    assert missing.status_code == 422
    assert missing.json()["error"]["errors"]
    unknown = httpx.post(f"{api.url}/api/v1/integrations/not-a-key/alertmanager", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "unknown integration key"
    http.delete("/api/v1/integrations/prom")
    revoked = post_am(api, key, am_group(am_alert("X")))
    assert revoked.status_code == 404
    assert count(api, Alert) == 0
    listed = http.get("/api/v1/integrations").json()
    assert listed[0]["key"] is None
    assert listed[0]["revoked_at"] is not None


def test_rate_limited_integrations_get_429(http: httpx.Client, api: Api) -> None:
    key = http.post(
        "/api/v1/integrations",
        json={"name": "pd-slow", "kind": "pagerduty", "rate_limit_per_minute": 2},
    ).json()["key"]
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "x", "severity": "info"},
    }
    codes = [httpx.post(f"{api.url}/v2/enqueue", json=event).status_code for _ in range(3)]
    assert codes == [202, 202, 429]


def integration(http: httpx.Client, kind: str, name: str | None = None) -> str:
    """A new integration of `kind`; its key."""
    created = http.post("/api/v1/integrations", json={"name": name or kind, "kind": kind})
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def test_datadog_grafana_and_generic_webhooks(http: httpx.Client, api: Api) -> None:
    key = integration(http, "generic")
    generic = httpx.post(
        f"{api.url}/api/v1/integrations/{key}/generic",
        json={"title": "Queue backlog", "severity": "warning", "service": "payments"},
    )
    assert generic.status_code == 202
    ref = generic.json()["incidents_opened"][0]
    assert http.get(f"/api/v1/incidents/{ref}").json()["severity"] == "SEV-3"
    key = integration(http, "datadog")
    datadog = httpx.post(
        f"{api.url}/api/v1/integrations/{key}/datadog",
        json={
            "title": "[Triggered] Checkout 5xx",
            "alert_transition": "Triggered",
            "alert_type": "error",
            "aggregate": "agg-1",
            "tags": "service:checkout,env:prod",
        },
    )
    assert datadog.status_code == 202
    assert datadog.json()["created"] == 1
    recovered = httpx.post(
        f"{api.url}/api/v1/integrations/{key}/datadog",
        json={
            "title": "[Recovered] Checkout 5xx",
            "alert_transition": "Recovered",
            "alert_type": "success",
            "aggregate": "agg-1",
        },
    )
    assert recovered.json()["resolved"] == 1
    key = integration(http, "grafana")
    grafana = httpx.post(
        f"{api.url}/api/v1/integrations/{key}/grafana",
        json={
            "receiver": "warroom",
            "status": "firing",
            "orgId": 1,
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "CPU", "service": "search", "severity": "critical"},
                    "annotations": {"summary": "CPU saturated"},
                    "startsAt": "2025-11-01T11:59:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": "g1",
                    "values": {"A": 97.0},
                }
            ],
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://grafana:3000/",
            "version": "1",
            "groupKey": "{}",
            "truncatedAlerts": 0,
            "title": "[FIRING:1] CPU",
            "state": "alerting",
            "message": "CPU saturated",
        },
    )
    assert grafana.status_code == 202, grafana.text
    assert grafana.json()["incidents_opened"]


def test_customer_reports(http: httpx.Client, api: Api) -> None:
    with api.client("responder") as alice:
        report = {"reporter": "jane@customer.example", "text": "Checkout spins forever\nOrder 42"}
        first = alice.post("/api/v1/reports", json=report)
        assert first.status_code == 202
        ref = first.json()["incidents_opened"][0]
        assert alice.post("/api/v1/reports", json=report).json()["created"] == 0  # same report
        bad = alice.post("/api/v1/reports", json={"text": "no reporter"})
        assert bad.status_code == 422
        assert bad.json()["error"]["field"] == "reporter"
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["severity"] == "SEV-3"
    assert incident["title"] == "Checkout spins forever"
    alerts = http.get(f"/api/v1/incidents/{ref}/alerts").json()
    assert alerts[0]["source"] == "customer"


def test_change_events_and_recent_changes_on_an_incident(http: httpx.Client, api: Api) -> None:
    deploy = http.post(
        "/api/v1/changes",
        json={"service": "api-service", "summary": "Deploy v2.3.1", "source": "argo"},
    )
    assert deploy.status_code == 201
    key = http.post(
        "/api/v1/integrations", json={"name": "pd", "kind": "pagerduty", "service": "api-service"}
    ).json()["key"]
    change = httpx.post(
        f"{api.url}/v2/change/enqueue",
        json={
            "routing_key": key,
            "payload": {"summary": "Feature flag new-cart on", "source": "ld"},
        },
    )
    assert change.status_code == 202
    bad = httpx.post(f"{api.url}/v2/change/enqueue", json={"routing_key": key, "payload": {}})
    assert bad.status_code == 400
    assert count(api, ChangeEvent) == 2
    listed = http.get("/api/v1/changes", params={"service": "api-service", "since": "24h"}).json()
    assert {c["summary"] for c in listed} == {"Deploy v2.3.1", "Feature flag new-cart on"}
    api.clock.advance(timedelta(hours=2))
    ref = http.post(
        "/api/v1/incidents",
        json={"title": "500s", "severity": "sev-1", "services": ["api-service"]},
    ).json()["ref"]
    recent = http.get(f"/api/v1/incidents/{ref}/changes").json()
    assert {c["summary"] for c in recent} == {"Deploy v2.3.1", "Feature flag new-cart on"}
    api.clock.advance(timedelta(days=2))
    later = http.post(
        "/api/v1/incidents",
        json={"title": "later", "severity": "sev-3", "services": ["api-service"]},
    ).json()["ref"]
    assert http.get(f"/api/v1/incidents/{later}/changes").json() == []


def test_alerts_that_stop_being_resent_past_a_stale_timeout_are_resolved_by_the_engine(
    http: httpx.Client, api: Api
) -> None:
    body = {"name": "stale", "kind": "alertmanager", "resolve_timeout": "5h"}
    key = http.post("/api/v1/integrations", json=body).json()["key"]
    worker = make_worker(api.db, parse_config(""), api.clock, name="sweeper")
    result = post_am(api, key, am_group(am_alert("Flaky"))).json()
    ref = result["incidents_opened"][0]
    api.clock.advance(timedelta(hours=4))
    post_am(api, key, am_group(am_alert("Flaky")))  # re-sent: the clock restarts
    api.clock.advance(timedelta(hours=4, minutes=59, seconds=59))
    worker.run_until_idle()
    assert http.get("/api/v1/alerts").json()[0]["status"] == "firing"
    api.clock.advance(timedelta(seconds=31))
    worker.run_until_idle()
    alert = http.get("/api/v1/alerts").json()[0]
    assert (alert["status"], alert["resolved_by"]) == ("resolved", "timeout")
    assert "all_alerts_resolved" in timeline_kinds(http, ref)


class _Flaky(BaseHTTPRequestHandler):
    status = 500

    def do_GET(self) -> None:
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def target() -> Iterator[tuple[str, type[_Flaky]]]:
    handler = type("Handler", (_Flaky,), {"status": 500})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz", handler
    server.shutdown()


def test_health_checks_raise_and_resolve_alerts(
    http: httpx.Client, api: Api, target: tuple[str, type[_Flaky]]
) -> None:
    url, handler = target
    config = parse_config(
        f"""
health_checks:
  - name: shop
    url: {url}
    service: api-service
    interval: 30s
    failures_before_alert: 3
    recoveries_before_resolve: 2
"""
    )
    api.configure(config)
    worker = make_worker(api.db, config, api.clock, name="checker")
    for _ in range(3):
        api.clock.advance(timedelta(seconds=30))
        worker.run_until_idle()
        assert http.get("/api/v1/incidents").json()["items"] == []
    api.clock.advance(timedelta(seconds=30))
    worker.run_until_idle()  # the third failure
    incidents = http.get("/api/v1/incidents").json()["items"]
    assert len(incidents) == 1
    assert incidents[0]["title"].startswith("Health check shop failing: HTTP 500")
    assert incidents[0]["severity"] == "SEV-1"
    handler.status = 200
    for _ in range(2):
        api.clock.advance(timedelta(seconds=30))
        worker.run_until_idle()
    alert = http.get("/api/v1/alerts").json()[0]
    assert (alert["source"], alert["status"]) == ("healthcheck", "resolved")
