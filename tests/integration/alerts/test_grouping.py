"""Grouping never lowers an alert's urgency, and an alert joins only its own group's
incident (issue 11.2), over real HTTP on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from tests.conftest import Api
from tests.integration.alerts.test_webhooks import am_alert, am_group, post_am
from warroom.config import parse_config
from warroom.engine.models import Job
from warroom.incidents.models import Incident


def create_key(http: httpx.Client) -> str:
    response = http.post("/api/v1/integrations", json={"name": "prom", "kind": "alertmanager"})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def planned_jobs(api: Api, ref: str) -> list[tuple[str, str, datetime, str]]:
    """The incident's jobs: kind, key without the incident id, due time, status."""
    with api.db.read() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
        rows = session.scalars(select(Job).where(Job.incident_id == incident_id))
        found = [
            (j.kind, j.key.replace(f":{incident_id}:", ":N:"), j.due_at, j.status) for j in rows
        ]
    return sorted(found)


def timeline(http: httpx.Client, ref: str, kind: str) -> list[dict[str, Any]]:
    items = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return [e for e in items if e["kind"] == kind]


def test_a_more_severe_alert_raises_the_incident_as_a_manual_change_does(
    http: httpx.Client, api: Api
) -> None:
    key = create_key(http)
    warning = am_alert("Latency", severity="warning", instance="api-1")
    opened = post_am(api, key, am_group(warning)).json()["incidents_opened"]
    [by_alert] = opened
    by_hand = http.post(
        "/api/v1/incidents",
        json={"title": "Latency", "severity": "sev-3", "services": ["other-service"]},
    ).json()["ref"]
    assert http.get(f"/api/v1/incidents/{by_alert}").json()["severity"] == "SEV-3"

    api.clock.advance(timedelta(minutes=10))
    critical = am_alert("HighErrorRate", severity="critical", instance="api-2")
    joined = post_am(api, key, am_group(critical)).json()
    assert joined["incidents_opened"] == []
    assert joined["incidents_attached"] == [by_alert]
    patched = http.patch(f"/api/v1/incidents/{by_hand}", json={"severity": "sev-1"})
    assert patched.status_code == 200, patched.text

    raised = http.get(f"/api/v1/incidents/{by_alert}").json()
    assert raised["severity"] == "SEV-1"
    assert raised["response_due_at"] == patched.json()["response_due_at"]  # 15 min clock
    [event] = timeline(http, by_alert, "severity_changed")
    [manual] = timeline(http, by_hand, "severity_changed")
    assert event["actor"] == "integration:prom"
    assert {k: v for k, v in event["data"].items() if k != "note"} == manual["data"]
    assert event["text"].startswith("Severity changed from SEV-3 to SEV-1")
    assert "critical alert joined: HighErrorRate on api-2" in event["text"]
    # Escalation and the response SLA re-planned exactly as for the person's change.
    jobs = planned_jobs(api, by_alert)
    assert jobs == planned_jobs(api, by_hand)
    assert ("sla_breach", "pending") in {(kind, status) for kind, _, _, status in jobs}


def test_a_less_or_equally_severe_alert_changes_nothing(http: httpx.Client, api: Api) -> None:
    key = create_key(http)
    [ref] = post_am(api, key, am_group(am_alert("Down"))).json()["incidents_opened"]
    post_am(api, key, am_group(am_alert("Slow", severity="warning", instance="api-3")))
    post_am(api, key, am_group(am_alert("Down", instance="api-4")))
    assert http.get(f"/api/v1/incidents/{ref}").json()["severity"] == "SEV-1"
    assert timeline(http, ref, "severity_changed") == []
    assert len(timeline(http, ref, "alert_attached")) == 3


def test_a_routing_rule_can_give_a_more_severe_alert_its_own_incident(
    http: httpx.Client, api: Api
) -> None:
    api.configure(
        parse_config(
            """
alert_routing:
  - name: api
    match: {labels: {service: api-service}}
    when_more_severe: own_incident
"""
        )
    )
    key = create_key(http)
    [warned] = post_am(api, key, am_group(am_alert("Latency", severity="warning"))).json()[
        "incidents_opened"
    ]
    result = post_am(api, key, am_group(am_alert("HighErrorRate", instance="api-2"))).json()
    [own] = result["incidents_opened"]
    assert own != warned and result["incidents_attached"] == []
    assert http.get(f"/api/v1/incidents/{own}").json()["severity"] == "SEV-1"
    assert http.get(f"/api/v1/incidents/{warned}").json()["severity"] == "SEV-3"
    # Later alerts of the group join the newer, more severe incident.
    again = post_am(api, key, am_group(am_alert("Latency", severity="warning", instance="x")))
    assert again.json()["incidents_attached"] == [own]


def test_an_alert_joins_only_an_incident_of_its_own_group(http: httpx.Client, api: Api) -> None:
    api.configure(
        parse_config(
            """
alert_routing:
  - name: errors
    match: {labels: {alertname: "=~High.*"}}
    group_by: [alertname]
"""
        )
    )
    key = create_key(http)
    first = post_am(api, key, am_group(am_alert("HighErrorRate", instance="api-1"))).json()
    [grouped] = first["incidents_opened"]
    same = post_am(api, key, am_group(am_alert("HighErrorRate", instance="api-2"))).json()
    assert same["incidents_attached"] == [grouped]
    # Same service, but routed by no rule: not of the alertname group.
    other = post_am(api, key, am_group(am_alert("DiskFull", instance="api-1"))).json()
    assert other["incidents_attached"] == []
    [disk] = other["incidents_opened"]
    # Same rule, another alertname: another group.
    latency = post_am(api, key, am_group(am_alert("HighLatency", instance="api-1"))).json()
    assert latency["incidents_attached"] == []
    assert len(latency["incidents_opened"]) == 1
    alerts = http.get(f"/api/v1/incidents/{grouped}/alerts").json()
    assert {a["labels"]["alertname"] for a in alerts} == {"HighErrorRate"}
    assert len(http.get(f"/api/v1/incidents/{disk}/alerts").json()) == 1
    # Alerts grouped by service share the incident their service's first one opened.
    more = post_am(api, key, am_group(am_alert("DiskFull", instance="api-9"))).json()
    assert more["incidents_attached"] == [disk]
