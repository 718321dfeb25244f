"""Low severities respect business hours (issue 11.12): a SEV-4 ("Next business day" in the
runbook) declared at 21:05 local time pages at the next opening of business hours;
config can choose the urgency per severity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import Api
from tests.integration.conftest import timeline
from tests.receivers import SmtpReceiver
from warroom.config import ConfigError, parse_config
from warroom.engine.worker import Worker

CONFIG = """
business_hours: {timezone: Europe/Berlin, start: "09:00", end: "17:00", holidays: DE}
people:
  - {id: alice, email: alice@example.com}
  - {id: dave, email: dave@example.com}
  - {id: ivan, email: ivan@example.com}
schedules:
  - name: primary
    layers:
      - {name: weekly, rotation: weekly, start: 2025-10-27, participants: [alice]}
positions:
  engineering_lead: person:dave
services:
  - {name: api-service, schedule: primary}
"""
TUESDAY_21_05 = datetime(2025, 11, 4, 20, 5, tzinfo=UTC)  # 21:05 in Berlin (CET)
WEDNESDAY_09_00 = datetime(2025, 11, 5, 8, 0, tzinfo=UTC)


def declare(http: httpx.Client, severity: str) -> str:
    body = {
        "title": "Logo misaligned",
        "severity": severity,
        "services": ["api-service"],
        "commander": "ivan",
    }
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def run_until(api: Api, worker: Worker, until: datetime) -> None:
    """Let time pass to `until` a quarter of an hour at a time, running what falls due."""
    while api.clock.now() < until:
        api.clock.advance(min(timedelta(minutes=15), until - api.clock.now()))
        worker.run_until_idle()


def test_a_sev4_at_21_05_waits_for_09_00_next_business_day(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    api.clock.set(TUESDAY_21_05)
    ref = declare(http, "sev-4")
    worker.run_until_idle()
    run_until(api, worker, WEDNESDAY_09_00 - timedelta(seconds=1))
    assert inbox.mails == []  # nobody woken overnight, the commander's warning included
    [deferred] = timeline(http, ref, "escalation_deferred")
    assert deferred["text"] == (
        "SEV-4 is low urgency: paging waits for business hours; "
        "the first step is due Wed 2025-11-05 09:00 Europe/Berlin"
    )
    run_until(api, worker, WEDNESDAY_09_00)
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]
    run_until(api, worker, WEDNESDAY_09_00 + timedelta(minutes=15))
    assert len(inbox.to("dave@example.com")) == 1  # the matrix's 15 minutes, from 09:00
    # Due by the end of that business day (17:00); the 80 % warning falls in its hours.
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["response_due_at"] == "2025-11-05T16:00:00Z"
    run_until(api, worker, datetime(2025, 11, 5, 12, 15, tzinfo=UTC))  # 13:15 CET
    assert len(inbox.to("ivan@example.com")) == 1


def test_a_sev3_pages_at_once_unless_configured_low(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    api.clock.set(TUESDAY_21_05)
    declare(http, "sev-3")  # the runbook's SEV-3 is "4 hours": high urgency
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]
    inbox.clear()
    worker = pager(CONFIG + "paging: {urgency: {sev-3: low, SEV-4: high}}\n")
    declare(http, "sev-3")
    worker.run_until_idle()
    assert inbox.mails == []
    declare(http, "sev-4")
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]


def test_a_sev4_in_business_hours_pages_at_once(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(CONFIG)
    api.clock.set(WEDNESDAY_09_00 + timedelta(hours=2))
    ref = declare(http, "sev-4")
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]
    assert timeline(http, ref, "escalation_deferred") == []


def test_urgency_names_a_severity_of_the_runbook() -> None:
    with pytest.raises(ConfigError, match=r"paging\.urgency\.SEV-9: unknown severity"):
        parse_config(CONFIG + "paging: {urgency: {SEV-9: low}}\n")
    with pytest.raises(ConfigError, match="end must be after start"):
        parse_config(CONFIG.replace('end: "17:00"', 'end: "08:00"'))
