"""Paging end to end: real SMTP and HTTP receivers, the real worker, a driven clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.integration.conftest import declare as declare_incident
from tests.receivers import SmtpReceiver, WebhookReceiver
from warroom.config import Config, parse_config
from warroom.engine.models import Job
from warroom.engine.worker import Worker
from warroom.notify.contacts import SmtpSettings
from warroom.notify.sender import AppriseSender
from warroom.workers import ack_links, make_worker


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


CONFIG = """
people:
  - {{id: alice, email: alice@example.com}}
  - {{id: bob, email: bob@example.com, contacts: [{{type: webhook, url: "{hook}/page"}}]}}
  - {{id: dave, email: dave@example.com}}
  - {{id: vera, email: vera@example.com}}
  - {{id: carl, email: carl@example.com}}
  - {{id: cece, email: cece@example.com}}
  - {{id: ivan, email: ivan@example.com}}
  - {{id: nora}}
schedules:
  - name: primary
    layers:
      - name: weekly
        rotation: weekly
        start: 2025-10-27
        handoff: "09:00"
        participants: [alice, bob]
  - name: nights
    layers:
      - name: nights
        rotation: daily
        start: 2025-10-01
        participants: [nora]
        restrictions: [{{start: "22:00", end: "06:00"}}]
positions:
  engineering_lead: person:dave
  vp_engineering: person:vera
  cto: person:carl
  ceo: person:cece
escalation_policies:
  - name: noisy
    steps:
      - {{after: 0m, targets: [person:alice]}}
      - {{after: 20s, targets: [person:alice]}}
      - {{after: 40s, targets: [person:alice]}}
  - name: night-first
    steps:
      - {{after: 0m, targets: [schedule:nights]}}
      - {{after: 15m, targets: [person:dave]}}
  - name: to-bob
    steps:
      - {{after: 0m, targets: [person:bob]}}
services:
  - {{name: api-service, schedule: primary}}
  - {{name: flappy, schedule: primary, escalation_policy: noisy}}
  - {{name: batch, escalation_policy: night-first}}
  - {{name: hooks, escalation_policy: to-bob}}
"""


@pytest.fixture
def paging(api: Api, smtp_receiver: SmtpReceiver, webhook: WebhookReceiver) -> Iterator[Worker]:
    config: Config = parse_config(CONFIG.format(hook=webhook.url))
    api.configure(config)
    sender = AppriseSender(SmtpSettings(host="127.0.0.1", port=smtp_receiver.port))
    links = ack_links(api.db, api.clock, public_url=api.url)
    yield make_worker(api.db, config, api.clock, sender=sender, links=links, name="test-worker")


def declare(http: httpx.Client, **body: Any) -> dict[str, Any]:
    """For api-service unless `body` names services."""
    return declare_incident(http, **{"services": ["api-service"], **body})


def events(http: httpx.Client, ref: str, kind: str) -> list[dict[str, Any]]:
    items = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return [e["data"] for e in items if e["kind"] == kind]


def test_escalation_follows_the_runbook_matrix(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http)["ref"]
    paging.run_until_idle()
    # 0 min: the on-call engineer (alice has the primary schedule this week).
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]
    mail = inbox.mails[0]
    assert mail.subject == f"[SEV-1] {ref}: Checkout API returns 500s"
    assert f"{api.url}/ack/" in mail.body
    assert mail.page_key.startswith("page:")
    # Acknowledged: the notified rows keep their times (unanswered, the breach at 15 min
    # would bring the next step forward).
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    steps = [(15, "dave"), (30, "vera"), (60, "carl"), (120, "cece")]
    elapsed = 0
    for minute, person in steps:
        api.clock.advance(timedelta(minutes=minute - elapsed) - timedelta(seconds=1))
        paging.run_until_idle()
        assert not inbox.to(f"{person}@example.com"), f"{person} paged early"
        api.clock.advance(timedelta(seconds=1))
        paging.run_until_idle()
        assert len(inbox.to(f"{person}@example.com")) == 1, person
        elapsed = minute
    api.clock.advance(timedelta(hours=5))
    paging.run_until_idle()
    assert len(inbox.mails) == 5  # each step paged exactly once
    escalations = events(http, ref, "escalation_step")
    assert [e["people"] for e in escalations] == [["alice"], ["dave"], ["vera"], ["carl"], ["cece"]]
    assert len(events(http, ref, "page_sent")) == 5
    pages = http.get(f"/api/v1/incidents/{ref}/pages").json()
    assert [p["status"] for p in pages] == ["acknowledged", "sent", "sent", "sent", "sent"]


def test_sev2_stops_after_the_engineering_lead(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, severity="sev-2")["ref"]
    paging.run_until_idle()
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    for _ in range(4):
        paging.run_until_idle()
        api.clock.advance(timedelta(hours=1))
    assert sorted(r for m in inbox.mails for r in m.recipients) == [
        "alice@example.com",
        "dave@example.com",
    ]


def test_the_ack_link_acknowledges_over_http_and_stops_paging(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http)["ref"]
    paging.run_until_idle()
    link = re.search(r"(http://\S+/ack/\S+)", inbox.mails[0].body)
    assert link is not None
    api.clock.advance(timedelta(minutes=3))
    with httpx.Client() as anonymous:
        shown = anonymous.get(link.group(1))  # shows a button; only its POST acknowledges
        token = re.search(r'name="token" value="([^"]+)"', shown.text)
        assert token is not None, shown.text
        response = anonymous.post(f"{api.url}/ack", data={"token": token.group(1)})
    assert response.status_code == 200
    assert f"Acknowledged {ref}" in response.text
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["acknowledged_by"] == "alice"
    assert incident["acknowledged_at"] == "2025-11-01T12:03:00Z"
    api.clock.advance(timedelta(hours=3))
    paging.run_until_idle()
    assert len(inbox.to("alice@example.com")) == 1  # paging stopped
    pages = http.get(f"/api/v1/incidents/{ref}/pages").json()
    assert [p["status"] for p in pages if p["reason"] == "escalation"] == ["acknowledged"]
    with api.db.read() as session:
        jobs = [(j.kind, j.status) for j in session.scalars(select(Job)) if j.kind != "send_page"]
    assert ("escalation_step", "pending") not in jobs
    # A forged or expired link does nothing.
    with httpx.Client() as anonymous:
        assert anonymous.get(f"{api.url}/ack/forged").status_code == 422
        api.clock.advance(timedelta(hours=25))
        assert anonymous.get(link.group(1)).status_code == 410


def test_resolving_cancels_every_pending_step(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http)["ref"]
    paging.run_until_idle()
    http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "false alarm"})
    api.clock.advance(timedelta(hours=3))
    paging.run_until_idle()
    assert len(inbox.mails) == 1
    assert events(http, ref, "response_sla_breached") == []


def test_severity_change_replans_the_remaining_steps(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, severity="sev-3")["ref"]
    paging.run_until_idle()
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    api.clock.advance(timedelta(minutes=40))
    paging.run_until_idle()
    assert sorted(r for m in inbox.mails for r in m.recipients) == [
        "alice@example.com",
        "dave@example.com",
    ]
    http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-1"})
    paging.run_until_idle()  # the VP step (30 min, SEV-1 only) is now overdue: runs at once
    assert len(inbox.to("vera@example.com")) == 1
    assert len(inbox.to("alice@example.com")) == 1  # steps already run are not repeated
    http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-3"})
    api.clock.advance(timedelta(hours=3))
    paging.run_until_idle()
    assert not inbox.to("carl@example.com")  # CTO step cancelled by the downgrade


def test_nobody_on_call_pages_the_next_step_at_once(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, services=["batch"])["ref"]  # noon: the night schedule is empty
    paging.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["dave@example.com"]]
    skipped = events(http, ref, "escalation_skipped")
    assert skipped == [{"step": 0, "reason": "nobody is on call for schedule nights"}]


def test_response_sla_warning_at_80_percent_then_breach(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, severity="sev-2", commander="ivan")["ref"]  # 1 h to respond
    paging.run_until_idle()
    api.clock.advance(timedelta(minutes=47, seconds=59))
    paging.run_until_idle()
    assert not inbox.to("ivan@example.com")
    api.clock.advance(timedelta(seconds=1))  # 48 min = 80 % of an hour
    paging.run_until_idle()
    warned = inbox.to("ivan@example.com")
    assert len(warned) == 1
    assert "Not acknowledged yet" in warned[0].body
    assert events(http, ref, "response_sla_warning")[0]["told"] == ["ivan"]
    api.clock.advance(timedelta(minutes=12))
    paging.run_until_idle()
    assert events(http, ref, "response_sla_breached") == []  # 13:00 exactly is still in time
    api.clock.advance(timedelta(seconds=1))
    paging.run_until_idle()
    breached = events(http, ref, "response_sla_breached")
    assert [b["response_due_at"] for b in breached] == ["2025-11-01T13:00:00+00:00"]
    assert http.get(f"/api/v1/incidents/{ref}").json()["response_breached"] is True


def test_acknowledged_in_time_means_no_warning(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, severity="sev-2", commander="ivan")["ref"]
    http.post(f"/api/v1/incidents/{ref}/acknowledge")
    api.clock.advance(timedelta(hours=2))
    paging.run_until_idle()
    assert inbox.to("ivan@example.com") == []
    assert events(http, ref, "response_sla_warning") == []


def test_throttle_suppresses_and_counts(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    ref = declare(http, services=["flappy"])["ref"]
    for _ in range(3):
        paging.run_until_idle()
        api.clock.advance(timedelta(seconds=20))
    paging.run_until_idle()
    assert len(inbox.to("alice@example.com")) == 1
    suppressed = events(http, ref, "page_suppressed")
    assert [s["suppressed_total"] for s in suppressed] == [1, 2]
    assert "per 60s per incident" in suppressed[0]["reason"]


def test_webhook_contact_gets_json_with_the_ack_link(
    http: httpx.Client, paging: Worker, webhook: WebhookReceiver, inbox: SmtpReceiver
) -> None:
    ref = declare(http, services=["hooks"])["ref"]
    paging.run_until_idle()
    assert len(webhook.hooks) == 1
    hook = webhook.hooks[0]
    assert hook.path == "/page"
    assert hook.headers["X-Warroom-Page"].startswith("page%3A") or hook.headers[
        "X-Warroom-Page"
    ].startswith("page:")
    assert ref in hook.body["title"]
    assert "/ack/" in hook.body["message"]
    assert inbox.mails == []  # bob's contacts are the webhook only


def test_failing_sends_retry_with_backoff_then_fail_visibly(
    http: httpx.Client, api: Api, paging: Worker, webhook: WebhookReceiver
) -> None:
    webhook.fail_with = 503
    # A commander by mail: the SLA warning (else to bob, the on-call) is not this test's.
    ref = declare(http, services=["hooks"], commander="ivan")["ref"]
    paging.run_until_idle()
    for _ in range(12):
        api.clock.advance(timedelta(minutes=10))
        paging.run_until_idle()
    failed = http.get("/api/v1/jobs", params={"status": "failed"}).json()
    assert [j["kind"] for j in failed] == ["send_page"]
    assert failed[0]["attempts"] == 8
    assert "failed" in failed[0]["last_error"]
    assert events(http, ref, "page_failed")[0]["person"] == "bob"
    assert http.get(f"/api/v1/incidents/{ref}/pages").json()[0]["status"] == "failed"


def test_planning_twice_and_rerunning_never_pages_twice(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    from warroom.incidents.queries import by_ref
    from warroom.paging import service as paging_service

    ref = declare(http)["ref"]
    with api.db.write() as session:
        incident = by_ref(session, ref)
        paging_service.plan_escalation(session, paging.config, incident, api.clock.now())
        paging_service.plan_escalation(session, paging.config, incident, api.clock.now())
    paging.run_until_idle()
    with api.db.write() as session:  # pretend a worker died after sending: run it again
        for job in session.scalars(select(Job).where(Job.status == "done")):
            job.status = "pending"
    paging.run_until_idle()
    assert len(inbox.mails) == 1


def test_a_dead_workers_job_is_taken_over_after_its_lease(api: Api, paging: Worker) -> None:
    from warroom.engine import service as engine

    with api.db.write() as session:
        engine.enqueue(
            session, kind="nothing", key="k1", due_at=api.clock.now(), now=api.clock.now()
        )
    claimed = engine.claim(api.db, "dead-worker", api.clock.now())
    assert [j.key for j in claimed] == ["k1"]
    assert engine.claim(api.db, "other", api.clock.now()) == []
    api.clock.advance(timedelta(seconds=61))
    again = engine.claim(api.db, "other", api.clock.now())
    assert [(j.key, j.attempts) for j in again] == [("k1", 2)]


def test_schedules_api_and_ical_round_trip(http: httpx.Client, api: Api, paging: Worker) -> None:
    from icalendar import Calendar

    listed = http.get("/api/v1/schedules").json()
    assert [(s["name"], s["on_call_now"]) for s in listed] == [
        ("primary", "alice"),
        ("nights", None),
    ]
    assert (
        http.get("/api/v1/schedules/primary/oncall", params={"at": "2025-11-03T09:00:00Z"}).json()[
            "person"
        ]
        == "bob"
    )
    shifts = http.get("/api/v1/schedules/primary/shifts", params={"next": "14d"}).json()
    assert [s["person"] for s in shifts] == ["alice", "bob", "alice"]
    assert shifts[1]["start"] == "2025-11-03T09:00:00Z"
    ical = http.get("/api/v1/schedules/primary/ical", params={"next": "14d"})
    assert ical.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ical.content)
    parsed = [
        (str(e["SUMMARY"]), e.decoded("DTSTART").isoformat().replace("+00:00", "Z"))
        for e in calendar.walk("VEVENT")
    ]
    assert parsed == [(f"On call: {s['person']}", s["start"]) for s in shifts]
    missing = http.get("/api/v1/schedules/nope/oncall")
    assert missing.status_code == 404
    assert "primary" in missing.json()["error"]["message"]
    bad = http.get("/api/v1/schedules/primary/oncall", params={"at": "tomorrowish"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "at"


def test_alerts_joining_an_open_incident_re_page_when_the_rule_says_so(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    config = parse_config(
        CONFIG.format(hook=webhook.url)
        + """
alert_routing:
  - {match: {labels: {alertname: Loud}}, repage: true}
"""
    )
    api.configure(config)
    worker = make_worker(
        api.db,
        config,
        api.clock,
        sender=AppriseSender(SmtpSettings(host="127.0.0.1", port=inbox.port)),
        links=ack_links(api.db, api.clock, public_url=api.url),
    )
    key = http.post("/api/v1/integrations", json={"name": "g", "kind": "generic"}).json()["key"]

    def send(title: str, name: str) -> dict[str, Any]:
        response = httpx.post(
            f"{api.url}/api/v1/integrations/{key}/generic",
            json={
                "title": title,
                "severity": "critical",
                "service": "api-service",
                "labels": {"alertname": name},
            },
        )
        assert response.status_code == 202, response.text
        return dict(response.json())

    ref = send("Errors up", "Loud")["incidents_opened"][0]
    worker.run_until_idle()
    assert len(inbox.to("alice@example.com")) == 1  # step 0: the on-call engineer
    api.clock.advance(timedelta(minutes=2))
    assert send("Latency up", "Loud")["incidents_attached"] == [ref]
    worker.run_until_idle()
    assert len(inbox.to("alice@example.com")) == 2  # re-paged for the new alert
    api.clock.advance(timedelta(minutes=2))
    assert send("Disk filling", "Quiet")["incidents_attached"] == [ref]
    worker.run_until_idle()
    assert len(inbox.to("alice@example.com")) == 2  # no re-page rule for this one
    reasons = [p["reason"] for p in http.get(f"/api/v1/incidents/{ref}/pages").json()]
    assert reasons == ["escalation", "alert"]


def test_overrides_through_the_api_change_who_is_paged(
    http: httpx.Client, api: Api, paging: Worker, inbox: SmtpReceiver
) -> None:
    created = http.post(
        "/api/v1/schedules/primary/overrides",
        json={
            "person": "dave",
            "start": "2025-11-01T11:00:00Z",
            "end": "2025-11-01T13:00:00Z",
            "reason": "alice at the dentist",
        },
    )
    assert created.status_code == 201, created.text
    assert http.get("/api/v1/schedules/primary/oncall").json()["person"] == "dave"
    declare(http)
    paging.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["dave@example.com"]]
    listed = http.get("/api/v1/schedules/primary/overrides").json()
    assert [o["reason"] for o in listed] == ["alice at the dentist"]
    for body, field in (
        (
            {"person": "zed", "start": "2025-11-01T11:00:00Z", "end": "2025-11-01T13:00:00Z"},
            "person",
        ),
        ({"person": "bob", "start": "2025-11-01T13:00:00Z", "end": "2025-11-01T11:00:00Z"}, "end"),
        ({"person": "bob", "start": "2025-11-01T13:00:00", "end": "2025-11-01T14:00:00Z"}, "start"),
    ):
        bad = http.post("/api/v1/schedules/primary/overrides", json=body)
        assert bad.status_code == 422, body
        assert bad.json()["error"]["field"] == field
    good = {"person": "bob", "start": "2025-11-01T13:00:00Z", "end": "2025-11-01T14:00:00Z"}
    assert http.post("/api/v1/schedules/nope/overrides", json=good).status_code == 404
    assert http.delete(f"/api/v1/schedules/primary/overrides/{listed[0]['id']}").status_code == 204
    assert http.get("/api/v1/schedules/primary/oncall").json()["person"] == "alice"
