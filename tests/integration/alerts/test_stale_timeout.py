"""A firing alert stays firing until its sender resolves it (issue 11.1).

Senders that send their own resolves re-send a firing alert only every few hours
(Alertmanager's and Grafana's repeat_interval is 4 h by default), so their integrations
have no stale timeout unless one is set; where one is set, an alert resolved by it never
resolves, or quiets, its incident."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.integration.alerts.test_webhooks import am_alert, am_group, post_am
from warroom.config import parse_config
from warroom.workers import make_worker

PAYLOADS = Path(__file__).parents[2] / "unit" / "alerts" / "payloads"
# Longer than any sender's default repeat interval (4 h), and then some.
QUIET_FOR = timedelta(hours=30)


def create(http: httpx.Client, kind: str, **fields: Any) -> str:
    response = http.post("/api/v1/integrations", json={"name": kind, "kind": kind, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def send_trigger(api: Api, kind: str, key: str) -> httpx.Response:
    base = f"{api.url}/api/v1/integrations/{key}"
    if kind == "alertmanager":
        return post_am(api, key, am_group(am_alert("HighErrorRate")))
    if kind == "grafana":
        body = json.loads((PAYLOADS / "grafana.json").read_text())
        body["alerts"] = body["alerts"][:1]  # the firing one
        return httpx.post(f"{base}/grafana", json=body)
    if kind == "datadog":
        body = json.loads((PAYLOADS / "datadog_default.json").read_text())
        return httpx.post(f"{base}/datadog", json=body)
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "disk-db-1",
        "payload": {"summary": "Disk 95% full on db-1", "source": "db-1", "severity": "error"},
    }
    return httpx.post(f"{api.url}/v2/enqueue", json=event)


@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "pagerduty", "datadog"])
def test_senders_that_resolve_their_own_alerts_have_no_stale_timeout(
    http: httpx.Client, api: Api, kind: str
) -> None:
    key = create(http, kind)
    listed = {i["name"]: i for i in http.get("/api/v1/integrations").json()}
    assert listed[kind]["resolve_timeout_seconds"] is None
    sent = send_trigger(api, kind, key)
    assert sent.status_code == 202, sent.text
    worker = make_worker(api.db, parse_config(""), api.clock, name="sweeper")
    worker.run_until_idle()  # plans the sweep
    for _ in range(6):  # the sweep runs every 30 s; not one re-send for 30 hours
        api.clock.advance(QUIET_FOR / 6)
        worker.run_until_idle()
    alerts = http.get("/api/v1/alerts").json()
    assert [(a["status"], a["resolved_by"]) for a in alerts] == [("firing", None)]
    incident = http.get(f"/api/v1/incidents/{alerts[0]['incident']}").json()
    assert incident["status"] == "investigating"


def test_an_alert_resolved_by_a_stale_timeout_never_resolves_its_incident(
    http: httpx.Client, api: Api
) -> None:
    config = parse_config(
        """
alert_routing:
  - name: resolves-itself
    match: {source: alertmanager}
    auto_resolve: true
"""
    )
    api.configure(config)
    key = create(http, "alertmanager", resolve_timeout="5h")
    listed = http.get("/api/v1/integrations").json()
    assert listed[0]["resolve_timeout_seconds"] == 5 * 3600
    ref = post_am(api, key, am_group(am_alert("HighErrorRate"))).json()["incidents_opened"][0]
    worker = make_worker(api.db, config, api.clock, name="sweeper")
    worker.run_until_idle()  # plans the sweep
    api.clock.advance(timedelta(hours=5, minutes=1))
    worker.run_until_idle()
    alert = http.get("/api/v1/alerts").json()[0]
    assert (alert["status"], alert["resolved_by"]) == ("resolved", "timeout")
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["status"] == "investigating"  # not resolved, not even monitoring
    timeline = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    [said] = [e["text"] for e in timeline if e["kind"] == "all_alerts_resolved"]
    assert "not re-sent" in said and "stays open" in said, said


def test_a_stale_timeout_shorter_than_the_senders_repeat_interval_is_warned_about(
    http: httpx.Client,
) -> None:
    body = {"name": "am", "kind": "alertmanager", "resolve_timeout": "5m"}
    created = http.post("/api/v1/integrations", json=body).json()
    [warned] = created["warnings"]
    assert "repeat_interval (4 h by default)" in warned
    fine = {"name": "am-6h", "kind": "alertmanager", "resolve_timeout": "6h"}
    assert http.post("/api/v1/integrations", json=fine).json()["warnings"] == []
