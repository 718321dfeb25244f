""" "Paged" and "notified" are different (issue 11.11): acknowledging stops the steps that
page; the runbook's notified rows (engineering lead, VP, CTO, CEO) keep their time while
the incident is open, and say how long it has been open and where it stands."""

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
escalation_policies:
  - name: custom
    steps:
      - {after: 0m, targets: [person:alice]}
      - {after: 10m, targets: [person:dave]}
      - {after: 20m, targets: [person:vera], action: notify}
services:
  - {name: api-service, schedule: primary}
  - {name: custom-service, schedule: primary, escalation_policy: custom}
"""


def declare(http: httpx.Client, severity: str = "sev-1", service: str = "api-service") -> str:
    body = {"title": "Checkout down", "severity": severity, "services": [service]}
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def walk(api: Api, worker: Worker, minutes: int) -> None:
    """Let `minutes` pass a minute at a time, running what falls due."""
    for _ in range(minutes):
        api.clock.advance(timedelta(minutes=1))
        worker.run_until_idle()


def test_an_acknowledged_sev1_still_reaches_the_vp_cto_and_ceo_on_time(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    ref = declare(http)
    worker.run_until_idle()
    api.clock.advance(timedelta(minutes=1))
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    walk(api, worker, 28)  # 12:29
    assert [m.recipients[0] for m in inbox.mails] == ["alice@example.com", "dave@example.com"]
    walk(api, worker, 1)  # 12:30: VP Engineering notified (SEV-1)
    [vp] = inbox.to("vera@example.com")
    assert "FYI" in vp.subject
    assert "a notification, not a page" in vp.body
    assert "Open for 30 minutes, investigating; acknowledged by admin at 12:01 UTC." in vp.body
    assert "/ack/" not in vp.body  # someone is on it: nothing to acknowledge
    walk(api, worker, 150)  # to 15:00
    assert [m.recipients[0] for m in inbox.mails] == [
        "alice@example.com",
        "dave@example.com",
        "vera@example.com",
        "carl@example.com",
        "cece@example.com",
    ]
    assert "Open for 2 hours, investigating" in inbox.to("cece@example.com")[0].body
    steps = [e["text"] for e in timeline(http, ref, "escalation_step")]
    assert steps[0].startswith("Escalation step 0 (On-call engineer paged): paging alice")
    assert steps[4].startswith("Escalation step 4 (CEO notified (SEV-1)): notifying cece")
    reasons = [
        (p["person"], p["reason"]) for p in http.get(f"/api/v1/incidents/{ref}/pages").json()
    ]
    assert reasons[0] == ("alice", "escalation")
    assert {r for _, r in reasons[1:]} == {"notification"}


def test_an_unacknowledged_notification_carries_the_ack_link(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    declare(http, "sev-2")
    walk(api, worker, 15)
    [lead] = inbox.to("dave@example.com")
    assert "Open for 15 minutes, investigating; not acknowledged yet." in lead.body
    assert "/ack/" in lead.body


def test_resolving_or_downgrading_stops_the_notifications(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    resolved = declare(http)
    downgraded = declare(http)
    worker.run_until_idle()
    for ref in (resolved, downgraded):
        assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    walk(api, worker, 45)  # lead and VP told of both
    assert len(inbox.to("vera@example.com")) == 2
    http.post(f"/api/v1/incidents/{resolved}/resolve", json={"summary": "fixed"})
    patched = http.patch(f"/api/v1/incidents/{downgraded}", json={"severity": "sev-2"})
    assert patched.status_code == 200
    walk(api, worker, 180)
    assert inbox.to("carl@example.com") == []  # CTO and CEO rows are SEV-1 only
    assert inbox.to("cece@example.com") == []
    assert len(inbox.to("dave@example.com")) == 2


def test_a_configured_step_pages_unless_it_says_notify(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    ref = declare(http, service="custom-service")
    worker.run_until_idle()
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 200
    walk(api, worker, 30)
    # dave's step pages (the default), so the acknowledgement stopped it; vera's notifies.
    assert [m.recipients[0] for m in inbox.mails] == ["alice@example.com", "vera@example.com"]
