"""The CLI as a user runs it: real HTTP to a real server, exit codes and output."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Api
from tests.integration.alerts.test_tally import add, stored_alerts, storm
from warroom.cli import app
from warroom.config import parse_config
from warroom.incidents.queries import by_ref

runner = CliRunner()


@pytest.fixture
def cli(api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Api:
    monkeypatch.setenv("WARROOM_URL", api.url)
    monkeypatch.setenv("WARROOM_TOKEN", api.tokens["responder"])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "160")
    return api


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_declare_show_list_and_the_incident_verbs(cli: Api) -> None:
    code, out, _ = run(
        "declare", "sev-1", "Checkout API returns 500s", "--service", "api-service", "--json"
    )
    assert code == 0
    incident = json.loads(out)
    ref = incident["ref"]
    assert ref == "incident-2025-11-01-0001"
    assert incident["roles"] == {"incident_commander": "alice"}

    assert run("ack", ref)[0] == 0
    assert run("assign", ref, "engineering-lead", "dave")[0] == 0
    assert run("note", ref, "connection pool exhausted")[0] == 0
    assert run("assess", ref, "--user-impact", "checkout fails", "--no-security")[0] == 0
    assert run("edit", ref, "--severity", "sev-2")[0] == 0
    assert run("status", ref, "identified", "--note", "bad deploy")[0] == 0

    code, out, _ = run("show", ref)
    assert code == 0
    for text in (
        ref,
        "Checkout API returns 500s",
        "SEV-2",
        "identified",
        "#incident-2025-11-01-0001",
        "engineering_lead",
        "dave",
        "on_call_engineer",
        "missing",
        "Note: connection pool exhausted",
        "Severity changed from SEV-1 to SEV-2",
        "Assessment recorded: user impact: checkout fails; security incident: no",
        "Status changed from investigating to identified: bad deploy",
        "dave is now engineering lead",
        "Response due",
    ):
        assert text in out, text
    assert "{" not in out and "'" not in out  # no JSON or Python reprs

    code, out, _ = run("show", "incident-2025-11-01-001", "--json")
    shown = json.loads(out)
    assert shown["ref"] == ref
    assert [e["kind"] for e in shown["timeline"] if e["kind"] != "task_completed"][:3] == [
        "incident_declared",
        "incident_acknowledged",
        "role_assigned",
    ]

    code, out, _ = run("list")
    assert code == 0
    assert ref in out
    assert run("resolve", ref, "--summary", "rolled back")[0] == 0
    assert ref not in run("list")[1]
    code, out, _ = run("list", "--status", "resolved", "--json")
    assert [i["ref"] for i in json.loads(out)] == [ref]
    code, out, _ = run("list", "--status", "all", "--severity", "sev-2", "--since", "1h", "--json")
    assert [i["ref"] for i in json.loads(out)] == [ref]
    assert run("reopen", ref, "--reason", "errors are back")[0] == 0


def test_bad_input_exit_codes_and_messages(cli: Api) -> None:
    code, _, err = run("declare", "urgent", "x")
    assert code == 2
    assert "unknown severity 'urgent'" in err
    assert "critical" in err

    code, _, err = run("show", "incident-2025-11-01-0042")
    assert code == 1
    assert "no incident incident-2025-11-01-0042" in err

    code, _, err = run("declare", "sev-1", "x" * 501)
    assert code == 2
    assert "title" in err

    ref = json.loads(run("declare", "sev-3", "t", "--json")[1])["ref"]
    code, _, err = run("status", ref, "resolved")
    assert code == 2  # resolving needs the resolve verb and a summary
    code, _, err = run("resolve", ref, "--summary", "done")
    code, _, err = run("status", ref, "monitoring")
    assert code == 1
    assert "reopen" in err
    assert run("edit", ref)[0] == 2


def test_auth_problems_are_reported_not_raised(cli: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TOKEN", cli.tokens["viewer"])
    code, _, err = run("declare", "sev-1", "x")
    assert code == 1
    assert "viewer token cannot do this" in err
    monkeypatch.delenv("WARROOM_TOKEN")
    code, _, err = run("list")
    assert code == 1
    assert "no token for" in err
    code, _, err = run("list", "--url", "http://127.0.0.1:9", "--token", "x")
    assert code == 1
    assert "cannot reach warroom" in err


def test_declare_with_a_symptom_shows_the_suggested_playbook(cli: Api) -> None:
    code, out, _ = run("declare", "sev-2", "Orders slow", "--symptom", "connection pool exhausted")
    assert code == 0
    assert "Orders slow" in out
    assert "Database Issues" in out  # as `playbook --symptom` shows it
    assert "pg_stat_activity" in out
    assert "connection pool exhausted" in out


def test_tasks_phase_and_playbook_verbs(cli: Api) -> None:
    code, out, _ = run(
        "declare", "sev-1", "Orders slow", "--symptom", "connection pool exhausted", "--json"
    )
    ref = json.loads(out)["ref"]
    code, out, _ = run("tasks", ref)
    assert code == 0
    assert "Acknowledge the alert" in out
    assert "Check database performance" in out
    tasks = json.loads(run("tasks", ref, "--json")[1])
    first = tasks[0]["number"]
    code, out, _ = run("task", "done", ref, str(first), "--note", "paged")
    assert code == 0
    assert "done" in out
    assert first not in [t["number"] for t in json.loads(run("tasks", ref, "--json")[1])]
    assert run("task", "done", ref, str(first))[0] == 1  # already done: conflict
    assert run("task", "undo", ref, str(first))[0] == 0

    cli.clock.advance(timedelta(minutes=30))
    code, out, _ = run("show", ref)
    assert "Overdue tasks" in out
    assert "Assess severity" in out
    assert "OVERDUE" in out  # triage's 15 minutes are up

    code, out, _ = run("phase", ref, "mitigation", "--note", "rolling back")
    assert code == 0
    assert "◀ current" in out
    code, out, _ = run("phase", ref, "nonsense")
    assert code == 2
    code, _, err = run("phase", ref, "postmortem")
    assert code == 2  # the incident is not resolved: refused, saying why
    assert "resolve the incident first" in err
    code, out, _ = run("playbook", ref)
    assert code == 0
    assert "Database Issues" in out
    assert "pg_stat_activity" in out
    code, out, _ = run("playbook", ref, "--symptom", "CPU/memory saturation", "--json")
    assert "High Traffic Spike" in [s["incident_type"] for s in json.loads(out)["suggestions"]]


def test_playbook_symptom_only_suggests_unless_recorded(cli: Api) -> None:
    code, out, _ = run("declare", "sev-2", "Orders slow", "--json")
    ref = json.loads(out)["ref"]
    code, out, _ = run("playbook", ref, "--symptom", "CPU/memory saturation")
    assert code == 0
    assert "High Traffic Spike" in out
    assert "Not recorded: CPU/memory saturation" in out
    shown = json.loads(run("show", ref, "--json")[1])
    assert shown["symptoms"] == []  # asking stored nothing
    assert "symptoms_recorded" not in [e["kind"] for e in shown["timeline"]]

    code, out, _ = run("playbook", ref, "--symptom", "CPU/memory saturation", "--record")
    assert code == 0
    assert "Not recorded" not in out
    shown = json.loads(run("show", ref, "--json")[1])
    assert shown["symptoms"] == ["CPU/memory saturation"]
    assert [e["kind"] for e in shown["timeline"]].count("symptoms_recorded") == 1
    assert run("playbook", ref, "--record")[0] == 2  # nothing to record


def test_alert_change_and_integration_verbs(cli: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(
        "report-problem", "Checkout spins forever", "--reporter", "jane@example.com", "--json"
    )
    assert code == 0
    ref = json.loads(out)["incidents_opened"][0]
    code, out, _ = run("alerts")
    assert "customer" in out
    assert ref in out
    assert run("report-problem", "x")[0] == 2  # --reporter is required

    code, out, _ = run("changes", "--service", "api-service", "--record", "Deploy v2.3.1")
    assert code == 0
    assert "Deploy v2.3.1" in out
    assert run("changes", "--record", "no service")[0] == 2

    monkeypatch.setenv("WARROOM_TOKEN", cli.tokens["admin"])
    code, out, _ = run("integrations", "create", "prom", "--kind", "alertmanager")
    assert code == 0
    assert "key (shown once)" in out
    assert "/api/v1/integrations/" in out
    assert "/alertmanager" in out
    assert "/grafana" not in out  # only the URL of its own kind
    assert "/v2/enqueue" not in out
    code, out, _ = run("integrations", "list")
    assert "prom" in out
    assert run("integrations", "revoke", "prom")[0] == 0
    assert run("integrations", "revoke", "nope")[0] == 1


def test_paging_verbs(cli: Api) -> None:
    cli.configure(
        parse_config(
            """
people:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
schedules:
  - name: primary
    layers:
      - {name: weekly, rotation: weekly, start: 2025-10-27, participants: [alice, bob]}
"""
        )
    )
    code, out, _ = run("oncall")
    assert code == 0
    assert "primary" in out
    assert "alice" in out
    code, out, _ = run("oncall", "primary", "--at", "2025-11-04T10:00:00Z", "--json")
    assert json.loads(out)[0]["person"] == "bob"
    code, out, _ = run("oncall", "primary", "--next", "14d", "--json")
    assert [s["person"] for s in json.loads(out)["primary"]] == ["alice", "bob", "alice"]
    assert run("oncall", "nope")[0] == 1
    ref = json.loads(run("declare", "sev-1", "x", "--json")[1])["ref"]
    code, out, _ = run("pages", ref)
    assert code == 0
    code, out, _ = run("jobs", "--json")
    assert {j["kind"] for j in json.loads(out)} >= {"escalation_step", "sla_warning"}
    assert run("jobs", "--failed")[1].strip() == "no jobs"


def test_resolve_prints_what_was_left_undone_as_warnings(cli: Api) -> None:
    ref = json.loads(run("declare", "sev-2", "Orders slow", "--json")[1])["ref"]
    code, out, err = run("resolve", ref, "--summary", "rolled back")
    assert code == 0
    assert "resolved" in out
    assert "warning: resolved with required roles missing: engineering lead" in err
    assert "warning: resolved with " in err and "Assess severity" in err


def test_show_counts_a_storms_alerts_instead_of_listing_them(cli: Api) -> None:
    ref = json.loads(run("declare", "sev-2", "Probes failing", "--json")[1])["ref"]
    assert "Alerts:" not in run("show", ref)[1]  # none attached: no block

    with cli.db.read() as session:
        incident = by_ref(session, ref).id
    alerts = storm(1234, cluster="eu-west-1")
    stored = stored_alerts(cli.db, cli.clock, incident, alerts, firing=1200)
    for start in range(0, len(stored), 500):
        add(cli.db, incident, stored[start : start + 500])

    code, out, _ = run("show", ref)
    assert code == 0
    for text in (
        "Alerts: 1,234 (1,200 firing)",
        "alertname  Probe3 1,234",
        "host       1,234 hosts (host-00001, host-00002, host-00003, …)",
        "cluster    eu-west-1 1,234",
        "first      2025-11-01 12:00:00 UTC  Probe3 failed on host-00001 (warning)",
        "latest     2025-11-01 12:20:33 UTC  Probe3 failed on host-01234 (critical)",
    ):
        assert text in out, out
    assert "host-00004" not in out  # counted, not listed

    shown = json.loads(run("show", ref, "--json")[1])
    assert "alerts_summary" not in shown and shown["ref"] == ref  # the API's incident
