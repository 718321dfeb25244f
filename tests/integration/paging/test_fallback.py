"""A sender's field never drops the on-call page (issue 11.3): the service comes from the
routing rule, then the integration; a SEV-1/SEV-2 whose first step finds nobody pages a
fallback and says so in the declare answer, on the timeline and in /metrics."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import Api
from tests.integration.conftest import timeline
from tests.receivers import SmtpReceiver
from warroom.cli import app
from warroom.config import ConfigError, parse_config
from warroom.engine.worker import Worker

PEOPLE = """
people:
  - {id: alice, email: alice@example.com}
  - {id: dave, email: dave@example.com}
  - {id: olga, email: olga@example.com}
  - {id: root, email: root@example.com, admin: true}
  - {id: mute}
teams:
  - {name: payments-team, members: [olga]}
schedules:
  - name: primary
    layers:
      - {name: weekly, rotation: weekly, start: 2025-10-27, participants: [alice]}
  - name: nights
    layers:
      - name: nights
        rotation: daily
        start: 2025-10-01
        participants: [mute]
        restrictions: [{start: "22:00", end: "06:00"}]
positions:
  engineering_lead: person:dave
"""
SERVICES = """
services:
  - {name: api-service, schedule: primary}
  - {name: payments, team: payments-team, schedule: nights}
  - {name: batch, schedule: nights}
"""


def declare(http: httpx.Client, severity: str, service: str) -> dict[str, object]:
    body = {"title": "Checkout down", "severity": severity, "services": [service]}
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def gaps(http: httpx.Client, outcome: str) -> float:
    text = http.get("/metrics").text
    found = re.search(rf'^warroom_paging_gaps_total{{outcome="{outcome}"}} (\S+)$', text, re.M)
    assert found, text
    return float(found.group(1))


def test_an_unknown_component_keeps_the_integrations_service_and_its_on_call(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE + SERVICES)
    made = http.post(
        "/api/v1/integrations",
        json={"name": "pd", "kind": "pagerduty", "service": "api-service"},
    )
    assert made.status_code == 201, made.text
    event = {
        "routing_key": made.json()["key"],
        "event_action": "trigger",
        "dedup_key": "db-1",
        "payload": {
            "summary": "Database unreachable",
            "source": "db-1",
            "severity": "critical",
            "component": "postgres",  # not a configured service
        },
    }
    answer = httpx.post(f"{api.url}/v2/enqueue", json=event)
    assert answer.status_code == 202, answer.text
    ref = http.get("/api/v1/incidents").json()["items"][0]["ref"]
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["services"] == ["api-service"]
    assert incident["severity"] == "SEV-1"
    alert = http.get("/api/v1/alerts").json()[0]
    assert alert["service"] == "api-service"
    assert alert["labels"]["component"] == "postgres"  # kept, as a label
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["alice@example.com"]]  # the on-call


def test_a_named_service_selects_only_when_it_is_configured(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker]
) -> None:
    pager(PEOPLE + SERVICES)
    key = http.post("/api/v1/integrations", json={"name": "g", "kind": "generic"}).json()["key"]
    for name, expected in (("payments", ["payments"]), ("ledger", [])):
        body = {"title": f"{name} errors", "severity": "critical", "service": name}
        sent = httpx.post(f"{api.url}/api/v1/integrations/{key}/generic", json=body)
        assert sent.status_code == 202, sent.text
        ref = sent.json()["incidents_opened"][0]
        assert http.get(f"/api/v1/incidents/{ref}").json()["services"] == expected
    alerts = {a["summary"]: a for a in http.get("/api/v1/alerts").json()}
    assert alerts["payments errors"]["service"] == "payments"
    assert alerts["ledger errors"]["service"] is None
    assert alerts["ledger errors"]["labels"] == {"service": "ledger"}


def test_a_sev1_with_nobody_on_call_pages_the_services_team_and_says_so(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE + SERVICES)
    before = gaps(http, "fallback_paged")
    answer = declare(http, "sev-1", "payments")  # noon: the night schedule is empty
    warnings = answer["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 1
    assert "nobody is on call for schedule nights" in warnings[0]
    assert "team:payments-team" in warnings[0] and "olga" in warnings[0]
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["olga@example.com"]]
    ref = str(answer["ref"])
    [event] = timeline(http, ref, "escalation_fallback")
    assert event["text"].startswith("Nobody to page (nobody is on call for schedule nights)")
    assert "olga" in event["text"]
    pages = http.get(f"/api/v1/incidents/{ref}/pages").json()
    assert [(p["person"], p["reason"]) for p in pages] == [("olga", "fallback")]
    assert gaps(http, "fallback_paged") == before + 1
    # The next step keeps its time: someone was paged.
    api.clock.advance(timedelta(minutes=14))
    worker.run_until_idle()
    assert not inbox.to("dave@example.com")
    api.clock.advance(timedelta(minutes=1))
    worker.run_until_idle()
    assert len(inbox.to("dave@example.com")) == 1


def test_without_a_team_the_admins_are_paged_and_a_configured_fallback_wins(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE + SERVICES)
    declare(http, "sev-2", "batch")
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["root@example.com"]]
    inbox.clear()
    worker = pager(PEOPLE + SERVICES + "paging: {fallback: person:dave}\n")
    answer = declare(http, "sev-1", "payments")
    assert "person:dave (paging.fallback)" in str(answer["warnings"])
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["dave@example.com"]]


def test_lower_severities_and_covered_incidents_warn_nobody(
    http: httpx.Client, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE + SERVICES)
    assert declare(http, "sev-3", "payments")["warnings"] == []
    assert declare(http, "sev-1", "api-service")["warnings"] == []
    worker.run_until_idle()
    assert sorted(r for m in inbox.mails for r in m.recipients) == [
        "alice@example.com",
        "dave@example.com",  # the SEV-3 skipped to the next step, as before
    ]


def test_nobody_at_all_is_said_and_counted(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE.replace(", admin: true", "") + SERVICES)
    before = gaps(http, "nobody_paged")
    answer = declare(http, "sev-1", "batch")
    assert "reaches nobody either" in str(answer["warnings"])
    worker.run_until_idle()
    ref = str(answer["ref"])
    [event] = timeline(http, ref, "escalation_fallback")
    assert "set paging.fallback" in event["text"]
    assert gaps(http, "nobody_paged") == before + 1
    assert [m.recipients for m in inbox.mails] == [["dave@example.com"]]  # next step at once


def test_the_fallback_is_checked_against_the_configuration() -> None:
    with pytest.raises(ConfigError, match=r"paging\.fallback\[0\]: unknown team 'sre'"):
        parse_config(PEOPLE + "paging: {fallback: [team:sre]}\n")
    with pytest.raises(ConfigError, match="a fallback is a person, schedule or team"):
        parse_config(PEOPLE + "paging: {fallback: role:incident_commander}\n")


def test_the_cli_says_it_as_a_warning_line(
    api: Api,
    pager: Callable[[str], Worker],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pager(PEOPLE + SERVICES)
    monkeypatch.setenv("WARROOM_URL", api.url)
    monkeypatch.setenv("WARROOM_TOKEN", api.tokens["responder"])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "400")
    result = CliRunner().invoke(app, ["declare", "sev-1", "Checkout down", "-s", "payments"])
    assert result.exit_code == 0, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("warning:")]
    assert "nobody is on call for schedule nights" in line
    assert "paging the fallback team:payments-team" in line


def test_raised_to_sev1_after_the_first_step_found_nobody_pages_the_fallback_then(
    http: httpx.Client, api: Api, pager: Callable[[str], Worker], inbox: SmtpReceiver
) -> None:
    worker = pager(PEOPLE + SERVICES)
    ref = str(declare(http, "sev-3", "payments")["ref"])  # nobody on call: no fallback
    worker.run_until_idle()
    assert [m.recipients for m in inbox.mails] == [["dave@example.com"]]  # skipped ahead
    api.clock.advance(timedelta(minutes=20))
    for _ in range(2):  # raised (as an alert grouping would), and again: one fallback page
        raised = http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-1"})
        assert raised.status_code == 200, raised.text
        worker.run_until_idle()
        http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-3"})
    pages = http.get(f"/api/v1/incidents/{ref}/pages").json()
    assert [p["person"] for p in pages if p["reason"] == "fallback"] == ["olga"]
    assert inbox.to("olga@example.com")[0].subject.startswith("[SEV-1]")
    [event] = timeline(http, ref, "escalation_fallback")
    assert "nobody is on call for schedule nights" in event["text"]
