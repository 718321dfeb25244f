"""Roles and tasks follow what happened: positions and the on-call engineer fill roles,
tasks warroom sees done tick themselves with the event that did it (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import Api
from tests.integration.conftest import declare
from warroom.config import Config, parse_config
from warroom.notify.contacts import SmtpSettings
from warroom.notify.sender import AppriseSender
from warroom.workers import ack_links, make_worker

# alice has the primary schedule this week (weekly from Monday 2025-10-27, handoff 09:00).
CONFIG = """
people:
  - {id: alice}
  - {id: bob}
  - {id: dave}
  - {id: pam}
  - {id: cora}
  - {id: cole}
teams:
  - {name: comms, members: [cora, cole]}
schedules:
  - name: primary
    layers:
      - name: weekly
        rotation: weekly
        start: 2025-10-27
        handoff: "09:00"
        participants: [alice, bob]
positions:
  engineering_lead: person:dave
  product_manager: person:pam
  communications_lead: team:comms
escalation_policies:
  - name: primary-first
    steps:
      - {after: 0m, targets: [schedule:primary]}
      - {after: 15m, targets: [position:engineering_lead]}
services:
  - {name: api-service, schedule: primary}
  - {name: batch, escalation_policy: primary-first}
"""


def timeline(http: httpx.Client, ref: str) -> list[dict[str, Any]]:
    return list(http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"])


def tasks_by_text(http: httpx.Client, ref: str) -> dict[str, dict[str, Any]]:
    return {t["text"]: t for t in http.get(f"/api/v1/incidents/{ref}/tasks").json()}


def _configured(api: Api) -> Config:
    config = parse_config(CONFIG)
    api.configure(config)
    return config


def test_positions_and_the_on_call_engineer_fill_the_roles_at_declaration(
    http: httpx.Client, api: Api
) -> None:
    _configured(api)
    incident = declare(http, services=["api-service"])
    ref = incident["ref"]
    assert incident["roles"] == {
        "incident_commander": "admin",
        "engineering_lead": "dave",
        "on_call_engineer": "alice",
        "product_manager": "pam",
    }
    # A position held by a team names no one person: that role is still missing.
    assert incident["missing_roles"] == ["communications_lead"]

    events = timeline(http, ref)
    assigned = {e["data"]["role"]: e for e in events if e["kind"] == "role_assigned"}
    assert assigned["engineering_lead"]["text"] == (
        "dave is now engineering lead, as configured in positions.engineering_lead"
    )
    assert assigned["on_call_engineer"]["text"] == (
        "alice is now on call engineer, on call for api-service (schedule primary)"
    )

    tasks = tasks_by_text(http, ref)
    declared = next(e for e in events if e["kind"] == "incident_declared")
    assert tasks["Declare incident: /incident-declare sev-1"]["done_by_event"] == declared["id"]
    assert tasks["Engineering lead"]["done_by_event"] == assigned["engineering_lead"]["id"]
    assert tasks["On-call engineer"]["done_by_event"] == assigned["on_call_engineer"]["id"]
    assert tasks["Product manager (SEV-1/2)"]["done_at"] is not None
    assert tasks["Communications lead (SEV-1)"]["done_at"] is None
    assert tasks["Assemble team"]["done_at"] is None  # not every required role is filled
    assert tasks["Assemble team"]["done_when"] == "team_assembled"
    assert tasks["Acknowledge the alert"]["done_at"] is None
    assert tasks["Assess severity"]["done_when"] is None  # only a person can judge that

    # The last required role completes the team: "Assemble team" ticks with that event.
    filled = http.put(f"/api/v1/incidents/{ref}/roles/communications_lead", json={"person": "cora"})
    assert filled.json()["missing_roles"] == []
    events = timeline(http, ref)
    cora = next(e for e in events if e["kind"] == "role_assigned" and e["data"]["person"] == "cora")
    tasks = tasks_by_text(http, ref)
    assert tasks["Assemble team"]["done_by_event"] == cora["id"]
    assert tasks["Assemble team"]["done_by"] == "admin"
    assert tasks["Communications lead (SEV-1)"]["done_by_event"] == cora["id"]

    acked = http.post(f"/api/v1/incidents/{ref}/acknowledge", headers=_as(api, "responder"))
    assert acked.status_code == 200
    events = timeline(http, ref)
    ack = next(e for e in events if e["kind"] == "incident_acknowledged")
    task = tasks_by_text(http, ref)["Acknowledge the alert"]
    assert (task["done_by_event"], task["done_by"]) == (ack["id"], "alice")
    tick = next(
        e for e in events if e["kind"] == "task_completed" and e["data"]["task"] == task["number"]
    )
    assert tick["data"]["ticked_by"] == {"event": ack["id"], "kind": "incident_acknowledged"}
    assert tick["text"] == (
        f"Task {task['number']} done: Acknowledge the alert "
        f"(ticked by event {ack['id']}: incident acknowledged)"
    )
    # Acknowledging again writes nothing and ticks nothing twice.
    http.post(f"/api/v1/incidents/{ref}/acknowledge")
    assert [e["kind"] for e in timeline(http, ref)].count("task_completed") == len(
        [e for e in events if e["kind"] == "task_completed"]
    )


def _as(api: Api, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[role]}"}


def test_a_person_assigned_role_is_never_overridden(http: httpx.Client, api: Api) -> None:
    _configured(api)
    ref = declare(http, services=["api-service"], commander="bob")["ref"]
    http.put(f"/api/v1/incidents/{ref}/roles/engineering_lead", json={"person": "bob"})
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["roles"]["engineering_lead"] == "bob"
    assert incident["roles"]["incident_commander"] == "bob"


def test_the_paging_worker_fills_the_on_call_engineer_it_pages(
    http: httpx.Client, api: Api
) -> None:
    config = _configured(api)
    # batch's policy pages schedule:primary first; no position names its on-call engineer.
    incident = declare(http, services=["batch"], severity="sev-2")
    ref = incident["ref"]
    assert "on_call_engineer" in incident["missing_roles"]
    worker = make_worker(
        api.db,
        config,
        api.clock,
        sender=AppriseSender(SmtpSettings(host="127.0.0.1", port=9)),  # nobody has a contact
        links=ack_links(api.db, api.clock, public_url=api.url),
        name="test-worker",
    )
    worker.run_until_idle()
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["roles"]["on_call_engineer"] == "alice"
    events = timeline(http, ref)
    assigned = next(
        e
        for e in events
        if e["kind"] == "role_assigned" and e["data"]["role"] == "on_call_engineer"
    )
    assert assigned["actor"] == "engine"
    assert assigned["text"] == "alice is now on call engineer, paged by escalation step 0"
    task = tasks_by_text(http, ref)["On-call engineer"]
    assert task["done_by_event"] == assigned["id"]
    # SEV-2 needs the engineering lead, the on-call engineer and the product manager: all
    # filled now, so the team is assembled by the page that found the last of them.
    assert incident["missing_roles"] == []
    assert tasks_by_text(http, ref)["Assemble team"]["done_by_event"] == assigned["id"]


def test_resolving_with_roles_missing_or_tasks_open_warns_listing_them(
    http: httpx.Client, api: Api
) -> None:
    ref = declare(http, severity="sev-2")["ref"]
    resolved = http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "rolled back"})
    assert resolved.status_code == 200
    answer = resolved.json()
    assert answer["status"] == "resolved"  # a warning, not a refusal
    roles_warning, tasks_warning = answer["warnings"]
    assert roles_warning == (
        "resolved with required roles missing: engineering lead, on call engineer, product manager"
    )
    tasks = tasks_by_text(http, ref)
    assess = tasks["Assess severity"]["number"]
    assert tasks_warning.startswith("resolved with ")
    assert f"; {assess} Assess severity;" in tasks_warning
    assert "Error rate back to baseline" in tasks_warning
    assert "Declare incident" not in tasks_warning  # declaring ticked it
    assert "Rollback recent deployment" not in tasks_warning  # an untried alternative
    assert "Summary" not in tasks_warning  # the postmortem comes after
    # Said once, in the answer; the timeline keeps what was left undone.
    assert http.get(f"/api/v1/incidents/{ref}").json()["warnings"] == []
    event = next(e for e in timeline(http, ref) if e["kind"] == "incident_resolved")
    assert event["data"]["missing_roles"] == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
    ]
    assert assess in event["data"]["open_tasks"]
    assert event["text"].startswith(
        "Resolved: rolled back (roles missing: engineering lead, on call engineer, "
        "product manager; tasks open: "
    )


def test_resolving_with_everything_done_warns_of_nothing(http: httpx.Client, api: Api) -> None:
    ref = declare(http, severity="sev-3")["ref"]
    for role, person in (("engineering_lead", "dave"), ("on_call_engineer", "alice")):
        http.put(f"/api/v1/incidents/{ref}/roles/{role}", json={"person": person})
    for task in http.get(f"/api/v1/incidents/{ref}/tasks").json():
        if task["applies"] and not task["done_at"] and task["phase"] != "postmortem":
            done = http.post(f"/api/v1/incidents/{ref}/tasks/{task['number']}/done", json={})
            assert done.status_code == 200, done.text
    resolved = http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "fixed"}).json()
    assert resolved["warnings"] == []
    event = next(e for e in timeline(http, ref) if e["kind"] == "incident_resolved")
    assert event["text"] == "Resolved: fixed"


def test_a_low_urgency_page_that_waits_fills_the_on_call_engineer_when_it_goes(
    http: httpx.Client, api: Api
) -> None:
    config = _configured(api)
    # SEV-4 on a Saturday: its first page waits for Monday 09:00, when bob takes over.
    incident = declare(http, services=["api-service"], severity="sev-4")
    ref = incident["ref"]
    assert "on_call_engineer" not in incident["roles"]  # not alice, who is not paged
    assert incident["roles"]["engineering_lead"] == "dave"  # positions need no page
    worker = make_worker(
        api.db,
        config,
        api.clock,
        sender=AppriseSender(SmtpSettings(host="127.0.0.1", port=9)),  # nobody has a contact
        links=ack_links(api.db, api.clock, public_url=api.url),
        name="test-worker",
    )
    worker.run_until_idle()
    assert "on_call_engineer" not in http.get(f"/api/v1/incidents/{ref}").json()["roles"]
    api.clock.advance(timedelta(days=1, hours=21))  # Monday 2025-11-03 09:00 UTC
    worker.run_until_idle()
    assert http.get(f"/api/v1/incidents/{ref}").json()["roles"]["on_call_engineer"] == "bob"


def test_tasks_warroom_ticked_reopen_when_what_ticked_them_is_undone(
    http: httpx.Client, api: Api
) -> None:
    ref = declare(http, severity="sev-3")["ref"]
    for role, person in (("engineering_lead", "dave"), ("on_call_engineer", "alice")):
        http.put(f"/api/v1/incidents/{ref}/roles/{role}", json={"person": person})
    assert tasks_by_text(http, ref)["Assemble team"]["done_at"] is not None

    # SEV-2 also needs a product manager: the team is no longer assembled.
    http.patch(f"/api/v1/incidents/{ref}", json={"severity": "sev-2"})
    events = timeline(http, ref)
    raised = next(e for e in events if e["kind"] == "severity_changed")
    team = tasks_by_text(http, ref)["Assemble team"]
    assert team["done_at"] is None
    reopened = next(
        e for e in events if e["kind"] == "task_reopened" and e["data"]["task"] == team["number"]
    )
    assert reopened["text"] == (
        f"Task {team['number']} reopened: Assemble team (by event {raised['id']}: severity changed)"
    )
    http.put(f"/api/v1/incidents/{ref}/roles/product_manager", json={"person": "pam"})
    assert tasks_by_text(http, ref)["Assemble team"]["done_at"] is not None

    # A role left vacant reopens its task and the team's; a person's own tick stays.
    lead = tasks_by_text(http, ref)["Engineering lead"]
    assess = tasks_by_text(http, ref)["Assess severity"]["number"]
    http.post(f"/api/v1/incidents/{ref}/tasks/{assess}/done", json={})
    http.delete(f"/api/v1/incidents/{ref}/roles/engineering_lead")
    tasks = tasks_by_text(http, ref)
    assert tasks["Engineering lead"]["done_at"] is None
    assert tasks["Engineering lead"]["number"] == lead["number"]
    assert tasks["Assemble team"]["done_at"] is None
    assert tasks["Assess severity"]["done_at"] is not None
