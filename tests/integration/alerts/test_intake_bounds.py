"""Alert intake never answers 500 for values the database cannot hold as given, and one
bad alert never blocks the good ones of its notification (issue 12). The same input gets
the same answer, and stores the same thing, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.integration.alerts.test_webhooks import am_alert, am_group
from warroom.alerts.models import Alert, AlertDelivery, ChangeEvent
from warroom.config import parse_config
from warroom.limits import DEDUP_KEY, GROUP_KEY, INT32_MAX

# Generous: other builds load the machine, and httpx's default timeout is 5 s.
TIMEOUT = 60


def post_am(api: Api, key: str, body: dict[str, Any]) -> httpx.Response:
    url = f"{api.url}/api/v1/integrations/{key}/alertmanager"
    return httpx.post(url, json=body, timeout=TIMEOUT)


@pytest.fixture
def key(http: httpx.Client) -> str:
    response = http.post("/api/v1/integrations", json={"name": "prom", "kind": "alertmanager"})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def alerts(api: Api) -> list[Alert]:
    with api.db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def rejected_counter(http: httpx.Client, fmt: str) -> float:
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(f'warroom_intake_rejected_alerts_total{{format="{fmt}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_nul_label_does_not_block_the_critical_alert_beside_it(
    http: httpx.Client, api: Api, key: str
) -> None:
    critical = am_alert("DatabaseDown")
    broken = am_alert("DiskFull", instance="db-\x00-1")
    broken["annotations"]["summary"] = "disk\x00full"
    response = post_am(api, key, am_group(critical, broken))
    assert response.status_code == 202, response.text
    assert response.json()["created"] == 2
    assert response.json()["incidents_opened"]
    stored = {a.dedup_key: a for a in alerts(api)}
    assert stored["fp-DatabaseDown-api-1"].status == "firing"
    diskfull = stored["fp-DiskFull-db-\x00-1".replace("\x00", "\ufffd")]
    assert diskfull.labels["instance"] == "db-\ufffd-1"
    assert diskfull.summary == "disk\ufffdfull"


def test_an_unreadable_alert_is_left_out_named_and_counted(
    http: httpx.Client, api: Api, key: str
) -> None:
    before = rejected_counter(http, "alertmanager")  # the server outlives one test
    critical = am_alert("DatabaseDown")
    unreadable: dict[str, Any] = {**am_alert("Other"), "labels": {"alertname": 7}}
    late = {**am_alert("Late"), "startsAt": "not a time"}
    response = post_am(api, key, am_group(unreadable, critical, late))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["alerts"] == 1
    assert body["incidents_opened"]
    assert [r["index"] for r in body["rejected"]] == [0, 2]
    assert body["rejected"][0]["errors"] == ["'alerts[0].labels.alertname' must be a string"]
    assert "alerts[2].startsAt" in body["rejected"][1]["errors"][0]
    assert [a.dedup_key for a in alerts(api)] == ["fp-DatabaseDown-api-1"]
    assert rejected_counter(http, "alertmanager") == before + 2
    # A notification none of whose alerts can be read is refused whole, and counted too.
    nothing = post_am(api, key, am_group(unreadable))
    assert nothing.status_code == 422
    assert rejected_counter(http, "alertmanager") == before + 3


def test_an_over_long_fingerprint_is_hashed_and_still_resolves(
    http: httpx.Client, api: Api, key: str
) -> None:
    alert = {**am_alert("LongKey"), "fingerprint": "f" * 200 + "x" * 200}
    other = {**am_alert("LongKey2"), "fingerprint": "f" * 200 + "y" * 200}
    fired = post_am(api, key, am_group(alert, other))
    assert fired.status_code == 202, fired.text
    keys = [a.dedup_key for a in alerts(api)]
    assert len(keys) == 2
    assert all(len(k) == DEDUP_KEY and k.startswith("f" * 200) for k in keys)
    assert fired.json()["dedup_keys"] == keys
    resolved = post_am(api, key, am_group({**alert, "status": "resolved"}))
    assert resolved.status_code == 202, resolved.text
    assert resolved.json()["resolved"] == 1
    assert [a.status for a in alerts(api)] == ["resolved", "firing"]


@pytest.mark.parametrize("truncated", [2**31, 2**63 + 5])
def test_truncated_alerts_beyond_the_column_are_stored_as_its_maximum(
    http: httpx.Client, api: Api, key: str, truncated: int
) -> None:
    response = post_am(api, key, am_group(am_alert("X"), truncated=truncated))
    assert response.status_code == 202, response.text
    with api.db.read() as session:
        assert session.scalar(select(AlertDelivery.truncated_alerts)) == INT32_MAX


def test_a_datadog_aggregate_of_1000_characters_triggers_and_recovers(
    http: httpx.Client, api: Api
) -> None:
    key = http.post("/api/v1/integrations", json={"name": "dd", "kind": "datadog"}).json()["key"]
    url = f"{api.url}/api/v1/integrations/{key}/datadog"
    aggregate = "a" * 1000
    fired = httpx.post(
        url, json={"title": "[Triggered] 5xx", "aggregate": aggregate}, timeout=TIMEOUT
    )
    assert fired.status_code == 202, fired.text
    recovered = httpx.post(
        url,
        json={"title": "[Recovered] 5xx", "aggregate": aggregate, "alert_type": "success"},
        timeout=TIMEOUT,
    )
    assert recovered.status_code == 202, recovered.text
    assert recovered.json()["resolved"] == 1
    (stored,) = alerts(api)
    assert len(stored.dedup_key) == DEDUP_KEY


def test_generic_alerts_with_an_over_long_service_and_labels_are_cut_with_a_marker(
    http: httpx.Client, api: Api
) -> None:
    key = http.post("/api/v1/integrations", json={"name": "g", "kind": "generic"}).json()["key"]
    response = httpx.post(
        f"{api.url}/api/v1/integrations/{key}/generic",
        json={
            "title": "Queue\x00backlog",
            "severity": "critical",
            "service": "s" * 300,
            "labels": {"l" * 300: "v" * 2000, "env": "prod\x00"},
            "details": {"nested\x00key": ["a\x00b"]},
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 202, response.text
    (stored,) = alerts(api)
    assert stored.service == "s" * 199 + "…"
    assert stored.summary == "Queue\ufffdbacklog"
    assert stored.labels == {"l" * 199 + "…": "v" * 1023 + "…", "env": "prod\ufffd"}
    assert stored.details == {"nested\ufffdkey": ["a\ufffdb"]}
    ref = response.json()["incidents_opened"][0]
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["services"] == ["s" * 199 + "…"]
    assert incident["title"] == "Queue\ufffdbacklog"


def test_a_group_key_over_its_column_is_hashed(http: httpx.Client, api: Api, key: str) -> None:
    api.configure(
        parse_config(
            "alert_routing:\n  - {match: {labels: {alertname: DiskFull}}, group_by: [cluster]}\n"
        )
    )
    first = am_alert("DiskFull", cluster="c" * 900, instance="a")
    second = am_alert("DiskFull", cluster="c" * 900, instance="b")
    one = post_am(api, key, am_group(first))
    two = post_am(api, key, am_group(second))
    assert one.status_code == two.status_code == 202, (one.text, two.text)
    assert two.json()["incidents_attached"] == one.json()["incidents_opened"]
    assert {len(a.group_key) for a in alerts(api)} == {GROUP_KEY}


def test_pagerduty_nul_dedup_keys_correlate_and_long_change_sources_are_cut(
    http: httpx.Client, api: Api
) -> None:
    key = http.post("/api/v1/integrations", json={"name": "pd", "kind": "pagerduty"}).json()["key"]
    trigger = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": "disk\x00db-1",
        "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical"},
    }
    fired = httpx.post(f"{api.url}/v2/enqueue", json=trigger, timeout=TIMEOUT)
    assert fired.status_code == 202, fired.text
    assert fired.json()["dedup_key"] == "disk\ufffddb-1"
    resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": "disk\x00db-1"}
    resolved = httpx.post(f"{api.url}/v2/enqueue", json=resolve, timeout=TIMEOUT)
    assert resolved.status_code == 202, resolved.text
    assert [a.status for a in alerts(api)] == ["resolved"]
    change = {
        "routing_key": key,
        "payload": {"summary": "x" * 10_000, "source": "y" * 10_000, "custom_details": {}},
    }
    recorded = httpx.post(f"{api.url}/v2/change/enqueue", json=change, timeout=TIMEOUT)
    assert recorded.status_code == 202, recorded.text
    with api.db.read() as session:
        row = session.scalars(select(ChangeEvent)).one()
    assert row.source == "y" * 199 + "…"
    assert row.summary == "x" * 1023 + "…"
