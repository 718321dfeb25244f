"""Datadog webhooks: Datadog's default payload, the recommended template, looser ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.alerts.formats import datadog
from warroom.alerts.formats.model import FormatError

Load = Callable[[str], Any]


def test_the_recommended_template(payload: Load) -> None:
    event = datadog.parse(payload("datadog"))

    assert event.source == "datadog"
    assert event.action == "trigger"
    assert event.dedup_key == "8f3a2b1c9d0e"
    # The state is the alert's status, not part of its words (issue 11.8).
    assert event.summary == "Checkout 5xx rate is high on host:web-3"
    assert event.severity == "error"
    assert event.source_name == "web-3"
    assert event.service == "checkout"
    assert event.labels == {"env": "prod", "service": "checkout", "team": "payments", "monitor": ""}
    assert event.occurred_at == datetime.fromtimestamp(1762000065, UTC)  # last_updated, ms
    assert event.links == [
        {"href": "https://app.datadoghq.com/event/event?id=7485739245016825291", "text": "Datadog"}
    ]
    assert event.images[0]["src"].endswith("abc.png")
    assert event.details["alert_scope"] == "host:web-3"
    assert event.details["org"] == {"id": "12345", "name": "Acme"}
    assert event.details["metric"] == "trace.http.request.errors"  # unknown fields are kept


def test_recovery_resolves_the_same_key(payload: Load) -> None:
    trigger = datadog.parse(payload("datadog"))
    body = payload("datadog")
    body.update(
        alert_transition="Recovered",
        alert_type="success",
        title="[Recovered on {host:web-3}] Checkout 5xx rate is high",
    )
    recovery = datadog.parse(body)
    assert recovery.action == "resolve"
    assert recovery.dedup_key == trigger.dedup_key


@pytest.mark.parametrize(
    ("fields", "action", "severity"),
    [
        ({"alert_transition": "Re-Triggered", "alert_type": "error"}, "trigger", "error"),
        ({"alert_transition": "Warn", "alert_type": "warning"}, "trigger", "warning"),
        ({"alert_transition": "Warn"}, "trigger", "warning"),
        ({"alert_transition": "No Data", "alert_type": "info"}, "trigger", "info"),
        ({"alert_transition": "Renotify", "alert_priority": "P1"}, "trigger", "critical"),
        ({"alert_type": "success"}, "resolve", "info"),
        ({"title": "[Recovered] Disk space"}, "resolve", "error"),
        ({}, "trigger", "error"),
    ],
)
def test_transition_and_type(fields: dict[str, str], action: str, severity: str) -> None:
    body = {"title": "Disk space", "alert_id": 123, **fields}
    event = datadog.parse(body)
    assert (event.action, event.severity) == (action, severity)


def test_dedup_key_falls_back_to_monitor_and_scope() -> None:
    body = {"title": "t", "alert_id": 123, "alert_scope": "host:db-1"}
    assert datadog.parse(body).dedup_key == "123:host:db-1"
    assert datadog.parse({"title": "t", "alert_id": "123"}).dedup_key == "123"
    assert datadog.parse({"title": "t", "alert_cycle_key": "c-9"}).dedup_key == "c-9"


def test_tags_as_a_list_and_times_in_seconds_or_iso() -> None:
    body = {"title": "t", "aggregate": "a", "tags": ["env:prod", "service:api"], "date": 1762000000}
    event = datadog.parse(body)
    assert event.labels == {"env": "prod", "service": "api"}
    assert event.occurred_at == datetime.fromtimestamp(1762000000, UTC)
    body["date"] = "2025-11-01T12:00:00Z"
    assert datadog.parse(body).occurred_at == datetime(2025, 11, 1, 12, tzinfo=UTC)


def test_summary_from_body_when_there_is_no_title() -> None:
    event = datadog.parse({"body": "CPU high on web-1\nmore", "aggregate": "a"})
    assert event.summary == "CPU high on web-1"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"body": "no title, no key"},
            "'title' is required without 'aggregate', 'alert_id' or 'alert_cycle_key'",
        ),
        ({"aggregate": "a"}, "'title' is required (or 'body')"),
        (
            {"title": "t", "aggregate": "a", "tags": 5},
            "'tags' must be a string like \"env:prod,team:web\" or a list",
        ),
        ({"title": "t", "aggregate": "a", "tags": ["a:b", 3]}, "'tags' must hold only strings"),
        (
            {"title": "t", "aggregate": "a", "date": "soon"},
            "'date' is not an ISO 8601 time like 2025-11-01T12:00:00Z",
        ),
        ({"title": "t", "aggregate": "a", "date": 1e300}, "'date' is out of range"),
        ({"title": "t", "aggregate": "a", "date": 10**400}, "'date' is out of range"),
        ({"title": "t", "aggregate": "a", "date": "nan"}, "'date' is not a finite number"),
        ({"title": ["t"], "aggregate": "a"}, "'title' must be a string or a number"),
        ([], "the body must be a JSON object"),
    ],
)
def test_datadog_errors_name_the_field(body: Any, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        datadog.parse(body)
    assert error in caught.value.errors


# --- Datadog's default payload (the webhook's Payload field left as Datadog fills it) ---


def test_datadogs_default_payload_is_an_alert(payload: Load) -> None:
    event = datadog.parse(payload("datadog_default"))

    assert event.source == "datadog"
    assert event.action == "trigger"
    assert event.dedup_key.startswith("datadog:")
    assert event.dedup_key_generated
    assert event.summary == "Checkout 5xx rate is high on host:web-3,service:checkout"
    assert event.severity == "error"
    assert event.labels == {"host": "web-3", "service": "checkout"}  # the group's scope
    assert event.service == "checkout"
    assert event.source_name == "web-3"
    assert event.occurred_at == datetime.fromtimestamp(1762000065, UTC)  # "$LAST_UPDATED", ms
    assert event.details["event_id"] == "7485739245016825291"
    assert event.details["event_type"] == "query_alert_monitor"
    assert event.details["org"] == {"id": "11023", "name": "Acme"}
    assert event.details["body"].startswith("%%%")


def test_default_payload_recovery_resolves_the_trigger(payload: Load) -> None:
    trigger = datadog.parse(payload("datadog_default"))
    recovery_body = payload("datadog_default")
    recovery_body.update(
        id="7485739245016829999",  # every notification is a new event
        title="[P2] [Recovered on {host:web-3,service:checkout}] Checkout 5xx rate is high",
        body="%%%\nCheckout 5xx rate is high was marked as recovered\n%%%",
        date="1762000665000",
        last_updated="1762000665000",
    )
    recovery = datadog.parse(recovery_body)
    assert recovery.action == "resolve"
    assert recovery.dedup_key == trigger.dedup_key
    assert recovery.occurred_at == datetime.fromtimestamp(1762000665, UTC)


def test_default_payload_keys_differ_by_group_monitor_and_org(payload: Load) -> None:
    def key(**fields: Any) -> str:
        body = payload("datadog_default")
        body.update(fields)
        return datadog.parse(body).dedup_key

    base = key()
    other_host = "[P2] [Triggered on {host:web-4,service:checkout}] Checkout 5xx rate is high"
    assert key(title=other_host) != base
    assert key(title="[P2] [Triggered on {host:web-3,service:checkout}] Disk full") != base
    assert key(org={"id": "99", "name": "Other"}) != base
    retriggered = "[P1] [Re-Triggered on {host:web-3,service:checkout}] Checkout 5xx rate is high"
    assert key(title=retriggered) == base  # transition and priority are not the identity


@pytest.mark.parametrize(
    ("title", "action", "severity"),
    [
        ("[Triggered] Disk full", "trigger", "error"),
        ("[P1] [Triggered on {host:db-1}] Disk full", "trigger", "critical"),
        ("[Re-Triggered on {host:db-1}] Disk full", "trigger", "error"),
        ("[Warn on {host:db-1}] Disk full", "trigger", "warning"),
        ("[Re-Warn] Disk full", "trigger", "warning"),
        ("[No Data on {host:db-1}] Disk full", "trigger", "error"),
        ("[Recovered on {host:db-1}] Disk full", "resolve", "error"),
        ("[P3] [Recovered] Disk full", "resolve", "error"),
        ("Disk full", "trigger", "error"),
    ],
)
def test_default_payload_title_gives_action_and_severity(
    payload: Load, title: str, action: str, severity: str
) -> None:
    body = payload("datadog_default")
    body["title"] = title
    event = datadog.parse(body)
    assert (event.action, event.severity) == (action, severity)


def test_titles_as_datadog_writes_them() -> None:
    assert datadog.read_title("[Triggered] [Memory Alert]") == datadog.Title(
        name="[Memory Alert]", transition="Triggered"
    )
    assert datadog.read_title(
        "[P1] [Recovered on {availability-zone:us-east-1a, role:computing-node}] Load high"
    ) == datadog.Title(
        name="Load high",
        transition="Recovered",
        priority="P1",
        scope="availability-zone:us-east-1a, role:computing-node",
    )
    assert datadog.read_title("[prod] Disk full") == datadog.Title(name="[prod] Disk full")
