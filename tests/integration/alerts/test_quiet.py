"""All alerts resolved, then what (issue 11.5): escalation stops, the incident monitors,
and resolves itself after the runbook's monitoring window ("Monitor for 15-30 minutes":
30 min) unless an alert fires again or a person is on it. Real worker, real SMTP, a
driven clock, over HTTP on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.integration.alerts.test_webhooks import am_alert, am_group, post_am
from tests.receivers import SmtpReceiver
from warroom.config import Config, parse_config
from warroom.engine.models import Job
from warroom.engine.worker import Worker
from warroom.incidents.models import Incident
from warroom.notify.contacts import SmtpSettings
from warroom.notify.sender import AppriseSender
from warroom.workers import ack_links, make_worker

CONFIG = """
people:
  - {id: alice, email: alice@example.com}
  - {id: dave, email: dave@example.com}
  - {id: vera, email: vera@example.com}
  - {id: carl, email: carl@example.com}
  - {id: cece, email: cece@example.com}
schedules:
  - name: primary
    layers:
      - {name: weekly, rotation: weekly, start: 2025-10-27, participants: [alice]}
positions:
  engineering_lead: person:dave
  vp_engineering: person:vera
  cto: person:carl
  ceo: person:cece
services:
  - {name: api-service, schedule: primary}
"""
WINDOW = timedelta(minutes=30)  # the runbook's "Monitor for 15-30 minutes", at its longest


def setup(api: Api, smtp_receiver: SmtpReceiver, rules: str = "") -> tuple[str, Worker]:
    smtp_receiver.clear()
    config: Config = parse_config(CONFIG + rules)
    api.configure(config)
    with api.client() as http:
        created = http.post("/api/v1/integrations", json={"name": "prom", "kind": "alertmanager"})
    assert created.status_code == 201, created.text
    sender = AppriseSender(SmtpSettings(host="127.0.0.1", port=smtp_receiver.port))
    links = ack_links(api.db, api.clock, public_url=api.url)
    worker = make_worker(api.db, config, api.clock, sender=sender, links=links, name="quiet")
    return str(created.json()["key"]), worker


def pair(status: str = "firing") -> dict[str, Any]:
    return am_group(
        am_alert("HighErrorRate", status, instance="api-1"),
        am_alert("HighErrorRate", status, instance="api-2"),
    )


def jobs(api: Api, ref: str, *kinds: str) -> list[Job]:
    with api.db.read() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
        query = select(Job).where(Job.incident_id == incident_id, Job.status == "pending")
        return list(session.scalars(query.where(Job.kind.in_(kinds))))


STEPS = ("escalation_step", "escalation_notify", "sla_warning", "sla_breach")


def events(http: httpx.Client, ref: str, kind: str) -> list[dict[str, Any]]:
    items = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return [e for e in items if e["kind"] == kind]


def status(http: httpx.Client, ref: str) -> str:
    return str(http.get(f"/api/v1/incidents/{ref}").json()["status"])


def test_escalation_stops_and_the_incident_resolves_itself_after_the_monitoring_window(
    http: httpx.Client, api: Api, smtp_receiver: SmtpReceiver
) -> None:
    key, worker = setup(api, smtp_receiver)
    [ref] = post_am(api, key, pair()).json()["incidents_opened"]
    worker.run_until_idle()
    assert [m.recipients for m in smtp_receiver.mails] == [["alice@example.com"]]  # on call, 0 min
    assert jobs(api, ref, *STEPS)  # the lead, VP, CTO and CEO to come

    api.clock.advance(timedelta(minutes=5))
    post_am(api, key, pair("resolved"))
    assert status(http, ref) == "monitoring"
    assert jobs(api, ref, *STEPS) == []
    [quiet] = events(http, ref, "all_alerts_resolved")
    assert quiet["text"] == (
        "All alerts resolved: escalation stopped and the incident is monitoring; it resolves "
        "itself at 2025-11-01 12:35 UTC if no alert fires again (the runbook's monitoring "
        "window, 30 min)"
    )
    [moved] = events(http, ref, "status_changed")
    assert moved["text"] == "Status changed from investigating to monitoring: all alerts resolved"

    api.clock.advance(WINDOW - timedelta(seconds=1))
    worker.run_until_idle()
    assert status(http, ref) == "monitoring"
    api.clock.advance(timedelta(seconds=1))
    worker.run_until_idle()
    resolved = http.get(f"/api/v1/incidents/{ref}").json()
    assert resolved["status"] == "resolved"
    assert "monitoring window (30 min)" in resolved["resolution_summary"]
    api.clock.advance(timedelta(hours=3))
    worker.run_until_idle()
    # Nobody past the on-call engineer was paged or notified: not the lead at 15 min, the
    # VP at 30, the CTO at 60 or the CEO at 120.
    assert [m.recipients for m in smtp_receiver.mails] == [["alice@example.com"]]


def test_an_alert_firing_again_during_monitoring_brings_the_incident_back(
    http: httpx.Client, api: Api, smtp_receiver: SmtpReceiver
) -> None:
    key, worker = setup(api, smtp_receiver)
    [ref] = post_am(api, key, pair()).json()["incidents_opened"]
    worker.run_until_idle()
    api.clock.advance(timedelta(minutes=2))
    post_am(api, key, pair("resolved"))
    assert jobs(api, ref, "monitoring_resolve")

    api.clock.advance(timedelta(minutes=20))
    again = post_am(api, key, am_group(am_alert("HighErrorRate", instance="api-2"))).json()
    assert again["incidents_attached"] == [ref]
    assert status(http, ref) == "investigating"
    moved = events(http, ref, "status_changed")[-1]
    assert moved["text"].startswith(
        "Status changed from monitoring to investigating: alert fired again while monitoring"
    )
    assert jobs(api, ref, "monitoring_resolve") == []
    assert jobs(api, ref, *STEPS)  # escalation planned again
    worker.run_until_idle()
    # The on-call engineer is paged again at once, and the engineering lead (due at
    # 15 min of the incident, 7 min ago) is reached now the incident is live again.
    paged = [m.recipients[0] for m in smtp_receiver.mails]
    assert paged.count("alice@example.com") == 2 and "dave@example.com" in paged, paged

    api.clock.advance(WINDOW * 2)
    worker.run_until_idle()
    assert status(http, ref) == "investigating"  # firing: never resolves itself


@pytest.mark.parametrize(
    ("rule", "acknowledge", "expected", "why"),
    [
        ("", True, "monitoring", "someone acknowledged it"),
        ("auto_resolve: false", False, "monitoring", "its routing rule says auto_resolve: false"),
        ("auto_resolve: true", True, "resolved", None),
    ],
)
def test_who_resolves_an_incident_whose_alerts_resolved(
    http: httpx.Client,
    api: Api,
    smtp_receiver: SmtpReceiver,
    rule: str,
    acknowledge: bool,
    expected: str,
    why: str | None,
) -> None:
    rules = f"alert_routing:\n  - {{match: {{source: alertmanager}}, {rule}}}\n" if rule else ""
    key, worker = setup(api, smtp_receiver, rules)
    [ref] = post_am(api, key, pair()).json()["incidents_opened"]
    if acknowledge:
        assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    post_am(api, key, pair("resolved"))
    assert status(http, ref) == "monitoring"
    [quiet] = events(http, ref, "all_alerts_resolved")
    if why:
        assert quiet["text"].endswith(f"a person resolves it ({why})"), quiet["text"]
    worker.run_until_idle()
    api.clock.advance(WINDOW + timedelta(minutes=1))
    worker.run_until_idle()
    assert status(http, ref) == expected


def test_an_incident_a_person_declared_is_left_to_people(
    http: httpx.Client, api: Api, smtp_receiver: SmtpReceiver
) -> None:
    key, _ = setup(api, smtp_receiver)
    ref = http.post(
        "/api/v1/incidents",
        json={"title": "Checkout slow", "severity": "sev-1", "services": ["api-service"]},
    ).json()["ref"]
    assert post_am(api, key, pair()).json()["incidents_attached"] == [ref]
    post_am(api, key, pair("resolved"))
    assert status(http, ref) == "investigating"
    assert [e["text"] for e in events(http, ref, "all_alerts_resolved")] == ["All alerts resolved"]
    assert jobs(api, ref, *STEPS)  # still escalating: a person said it is an incident
