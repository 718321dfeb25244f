"""Titles say what is happening (issue 11.8): an incident opened by a group of alerts is
titled from the group, and a resolved alert never reads as triggered. Real HTTP, both
databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Api
from tests.integration.alerts.test_webhooks import am_alert, am_group, post_am

PAYLOADS = Path(__file__).parents[2] / "unit" / "alerts" / "payloads"


def create(http: httpx.Client, kind: str) -> str:
    response = http.post("/api/v1/integrations", json={"name": kind, "kind": kind})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def texts(http: httpx.Client, ref: str) -> list[str]:
    return [e["text"] for e in http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]]


def title(http: httpx.Client, ref: str) -> str:
    return str(http.get(f"/api/v1/incidents/{ref}").json()["title"])


def hosts(*names: str, status: str = "firing") -> dict[str, Any]:
    return am_group(*(am_alert("HighErrorRate", status, instance=n) for n in names))


def test_an_incident_opened_by_a_group_is_titled_from_the_group(
    http: httpx.Client, api: Api
) -> None:
    key = create(http, "alertmanager")
    [ref] = post_am(api, key, hosts("api-1", "api-2", "api-3")).json()["incidents_opened"]
    assert title(http, ref) == "HighErrorRate on 3 hosts (api-1, api-2, api-3)"
    assert texts(http, ref)[0].startswith(
        "Declared SEV-1: HighErrorRate on 3 hosts (api-1, api-2, api-3)"
    )

    post_am(api, key, hosts("api-1", "api-2", "api-3", "api-4"))  # one more host
    assert title(http, ref) == "HighErrorRate on 4 hosts (api-1, api-2, api-3, …)"
    assert "Title changed to: HighErrorRate on 4 hosts (api-1, api-2, api-3, …)" in texts(http, ref)

    renamed = http.patch(f"/api/v1/incidents/{ref}", json={"title": "Checkout API 5xx"})
    assert renamed.status_code == 200, renamed.text
    post_am(api, key, hosts("api-5"))
    assert title(http, ref) == "Checkout API 5xx"  # a person's title stays


def test_a_recovered_datadog_alert_never_reads_as_triggered(http: httpx.Client, api: Api) -> None:
    key = create(http, "datadog")
    url = f"{api.url}/api/v1/integrations/{key}/datadog"
    body = json.loads((PAYLOADS / "datadog_default.json").read_text())
    [ref] = httpx.post(url, json=body).json()["incidents_opened"]
    recovered = {
        **body,
        "id": "7485739245016829999",
        "title": "[P2] [Recovered on {host:web-3,service:checkout}] Checkout 5xx rate is high",
    }
    assert httpx.post(url, json=recovered).json()["resolved"] == 1
    [alert] = http.get("/api/v1/alerts").json()
    assert alert["status"] == "resolved"
    assert alert["summary"] == "Checkout 5xx rate is high on host:web-3,service:checkout"
    assert title(http, ref) == alert["summary"]
    said = texts(http, ref)
    assert "Alert resolved by source: Checkout 5xx rate is high on host:web-3,service:checkout" in (
        said
    )
    assert not [t for t in said if "Triggered" in t], said


def test_a_resolved_grafana_alert_never_reads_as_firing(http: httpx.Client, api: Api) -> None:
    key = create(http, "grafana")
    url = f"{api.url}/api/v1/integrations/{key}/grafana"
    alert = {"status": "firing", "labels": {"rule_uid": "x"}, "fingerprint": "f1"}
    firing = {"status": "firing", "title": "[FIRING:1] DatasourceNoData", "alerts": [alert]}
    [ref] = httpx.post(url, json=firing).json()["incidents_opened"]
    resolved = {
        "status": "resolved",
        "title": "[RESOLVED] DatasourceNoData",
        "alerts": [{**alert, "status": "resolved"}],
    }
    assert httpx.post(url, json=resolved).json()["resolved"] == 1
    assert title(http, ref) == "DatasourceNoData"
    said = texts(http, ref)
    assert "Alert resolved by source: DatasourceNoData" in said
    assert not [t for t in said if "FIRING" in t], said
