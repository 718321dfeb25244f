"""Response-SLA warnings reach a person (issue 11.13): the 80 % warning goes to the
commander when that is a configured person, else to the on-call engineer; a breach pages
the next escalation step at once (or the fallback) and says so on the timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from tests.conftest import Api
from tests.integration.conftest import timeline
from tests.receivers import SmtpReceiver
from warroom.engine.worker import Worker

CONFIG = """
people:
  - {id: alice, email: alice@example.com}
  - {id: dave, email: dave@example.com}
  - {id: vera, email: vera@example.com}
  - {id: ivan, email: ivan@example.com}
  - {id: root, email: root@example.com, admin: true}
schedules:
  - name: primary
    layers:
      - {name: weekly, rotation: weekly, start: 2025-10-27, participants: [alice]}
positions:
  engineering_lead: person:dave
  vp_engineering: person:vera
services:
  - {name: api-service, schedule: primary}
"""


def declare(http: httpx.Client, severity: str, **extra: str) -> str:
    body = {"title": "Checkout down", "severity": severity, "services": ["api-service"], **extra}
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def test_an_alert_opened_incidents_warning_goes_to_the_on_call_engineer(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    key = http.post("/api/v1/integrations", json={"name": "g", "kind": "generic"}).json()["key"]
    body = {"title": "Errors up", "severity": "error", "service": "api-service"}
    sent = httpx.post(f"{api.url}/api/v1/integrations/{key}/generic", json=body)
    assert sent.status_code == 202, sent.text
    ref = sent.json()["incidents_opened"][0]  # SEV-2: an hour to respond
    commander = http.get(f"/api/v1/incidents/{ref}").json()["roles"]["incident_commander"]
    assert commander == "integration:g"
    worker.run_until_idle()
    inbox.clear()
    api.clock.advance(timedelta(minutes=48))
    worker.run_until_idle()
    warned = [m for m in inbox.mails if "Not acknowledged yet" in m.body]
    assert [m.recipients for m in warned] == [["alice@example.com"]]
    [event] = timeline(http, ref, "response_sla_warning")
    assert event["data"]["told"] == ["alice"]
    assert event["text"] == (
        "80 % of the response time is gone (due 2025-11-01 13:00 UTC), not acknowledged: "
        "warned alice, the on-call engineer (integration:g, the commander, is not a person "
        "to page)"
    )


def test_a_token_commander_is_not_a_person_but_a_configured_one_is(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    by_token = declare(http, "sev-2")  # commander: the token's name, admin
    by_name = declare(http, "sev-2", commander="ivan")
    worker.run_until_idle()
    inbox.clear()
    api.clock.advance(timedelta(minutes=48))
    worker.run_until_idle()
    assert timeline(http, by_token, "response_sla_warning")[0]["data"]["told"] == ["alice"]
    assert timeline(http, by_name, "response_sla_warning")[0]["data"]["told"] == ["ivan"]
    assert len(inbox.to("ivan@example.com")) == 1


def test_a_breach_pages_the_next_step_at_once(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    ref = declare(http, "sev-1", commander="ivan")  # 15 minutes to respond
    worker.run_until_idle()
    api.clock.advance(timedelta(minutes=15))
    worker.run_until_idle()  # 12:15: the engineering lead's step, no breach yet
    assert inbox.to("vera@example.com") == []
    api.clock.advance(timedelta(seconds=1))
    worker.run_until_idle()  # 12:15:01: the VP's step (due 12:30) runs now
    assert len(inbox.to("vera@example.com")) == 1
    [breach] = timeline(http, ref, "response_sla_breached")
    assert breach["text"] == (
        "Response time ran out at 2025-11-01 12:15 UTC with nobody acknowledging: the next "
        "escalation step (VP Engineering notified (SEV-1)) is paged now"
    )
    api.clock.advance(timedelta(minutes=20))
    worker.run_until_idle()
    assert len(inbox.to("vera@example.com")) == 1  # not twice


def test_a_breach_with_no_step_left_pages_the_fallback(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    ref = declare(http, "sev-2", commander="ivan")  # an hour; its last step is at 15 min
    worker.run_until_idle()
    api.clock.advance(timedelta(hours=1, seconds=1))
    worker.run_until_idle()
    assert len(inbox.to("root@example.com")) == 1  # no team: the admins
    [breach] = timeline(http, ref, "response_sla_breached")
    assert "no escalation step left: the fallback is paged" in breach["text"]
    [fell_back] = timeline(http, ref, "escalation_fallback")
    assert fell_back["data"]["people"] == ["root"]
