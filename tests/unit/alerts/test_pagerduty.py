"""PagerDuty Events API v2: alert and change events, PagerDuty-style error sentences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.alerts.formats import pagerduty
from warroom.alerts.formats.model import FormatError

Load = Callable[[str], Any]
KEY = "R015XXXXXXXXXXXXXXXXXXXXXXXXXXXX"


def _errors(raw: Any) -> list[str]:
    with pytest.raises(FormatError) as caught:
        pagerduty.parse_event(raw)
    return caught.value.errors


def test_the_documented_trigger_example(payload: Load) -> None:
    event = pagerduty.parse_event(payload("pagerduty_trigger"))

    assert event.source == "pagerduty"
    assert event.action == "trigger"
    assert event.routing_key == KEY
    assert event.dedup_key == "samplekeyhere"
    assert not event.dedup_key_generated
    assert event.summary == "Example alert on host1.example.com"
    assert event.severity == "info"
    assert event.source_name.startswith("monitoringtool:cloudvendor")  # type: ignore[union-attr]
    assert event.service == "postgres"
    assert event.labels == {"component": "postgres", "group": "prod-datapipe", "class": "deploy"}
    assert event.details == {
        "ping time": "1500ms",
        "load avg": 0.75,
        "client": "Sample Monitoring Service",
    }
    assert event.occurred_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert event.links == [
        {"href": "http://pagerduty.example.com", "text": "An example link."},
        {"href": "https://monitoring.example.com", "text": "Sample Monitoring Service"},
    ]
    assert event.images[0]["alt"] == "Example text"
    assert pagerduty.accepted_body(event) == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "samplekeyhere",
    }


def test_a_trigger_without_dedup_key_gets_a_fresh_one(payload: Load) -> None:
    body = payload("pagerduty_trigger")
    del body["dedup_key"]

    first, second = pagerduty.parse_event(body), pagerduty.parse_event(body)

    assert first.dedup_key_generated
    assert len(first.dedup_key) == 32
    assert first.dedup_key != second.dedup_key


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_need_only_the_dedup_key(action: str) -> None:
    event = pagerduty.parse_event(
        {"routing_key": KEY, "event_action": action, "dedup_key": "samplekeyhere"}
    )
    assert (event.action, event.dedup_key, event.summary) == (action, "samplekeyhere", "")
    assert not event.dedup_key_generated


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_without_dedup_key_are_refused(action: str) -> None:
    assert _errors({"routing_key": KEY, "event_action": action, "dedup_key": " "}) == [
        "'dedup_key' is missing or blank"
    ]


def test_missing_trigger_fields_are_all_named(payload: Load) -> None:
    body = payload("pagerduty_trigger")
    body["payload"] = {"summary": "  ", "severity": "fatal", "timestamp": "17/07/2015"}
    del body["routing_key"]

    assert _errors(body) == [
        "'routing_key' is missing or blank",
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' must be 'critical', 'error', 'warning' or 'info'",
        "'payload.timestamp' is not an ISO 8601 time like 2025-11-01T12:00:00Z",
    ]


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda b: b.pop("payload"), "'payload' is missing or blank"),
        (lambda b: b.update(payload="disk full"), "'payload' must be an object"),
        (
            lambda b: b.update(event_action="escalate"),
            "'event_action' must be 'trigger', 'acknowledge' or 'resolve'",
        ),
        (
            lambda b: b.update(dedup_key="k" * 256),
            "'dedup_key' is too long (maximum 255 characters)",
        ),
        (lambda b: b.update(dedup_key=42), "'dedup_key' must be a string"),
        (lambda b: b.update(links={"href": "x"}), "'links' must be an array"),
        (lambda b: b["links"][0].pop("href"), "'links[0].href' is missing or blank"),
        (lambda b: b["images"][0].update(src=None), "'images[0].src' must be a string"),
        (lambda b: b["payload"].update(component=7), "'payload.component' must be a string"),
    ],
)
def test_errors_are_pagerduty_sentences_naming_the_field(
    payload: Load, mutate: Callable[[Any], Any], error: str
) -> None:
    body = payload("pagerduty_trigger")
    mutate(body)
    assert error in _errors(body)


def test_invalid_event_body_mirrors_pagerduty() -> None:
    with pytest.raises(FormatError) as caught:
        pagerduty.parse_event({"event_action": "trigger"})
    assert pagerduty.invalid_event_body(caught.value) == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'routing_key' is missing or blank", "'payload' is missing or blank"],
    }


def test_a_long_summary_is_cut_and_kept_whole_in_details(payload: Load) -> None:
    body = payload("pagerduty_trigger")
    body["payload"]["summary"] = "x" * 2000
    event = pagerduty.parse_event(body)
    assert len(event.summary) == pagerduty.SUMMARY_MAX
    assert event.details["summary_full"] == "x" * 2000


def test_custom_details_that_are_not_an_object_are_kept(payload: Load) -> None:
    body = payload("pagerduty_trigger")
    body["payload"]["custom_details"] = "free text from a shell script"
    event = pagerduty.parse_event(body)
    assert event.details["custom_details"] == "free text from a shell script"


def test_timestamp_without_offset_is_utc(payload: Load) -> None:
    body = payload("pagerduty_trigger")
    body["payload"]["timestamp"] = "2025-11-01T12:00:00"
    assert pagerduty.parse_event(body).occurred_at == datetime(2025, 11, 1, 12, tzinfo=UTC)


def test_the_documented_change_event(payload: Load) -> None:
    change = pagerduty.parse_change(payload("pagerduty_change"))

    assert change.summary == "Build Success: Increase snapshot create timeout to 30 seconds"
    assert change.routing_key == KEY
    assert change.source_name == "acme-build-pipeline-tool-default-i-9999"
    assert change.occurred_at == datetime(2020, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert change.details["build_state"] == "passed"
    assert change.links == [
        {"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}
    ]


def test_change_event_errors_name_the_field(payload: Load) -> None:
    body = payload("pagerduty_change")
    body["payload"]["summary"] = ""
    body["routing_key"] = None
    with pytest.raises(FormatError) as caught:
        pagerduty.parse_change(body)
    assert caught.value.errors == [
        "'routing_key' must be a string",
        "'payload.summary' is missing or blank",
    ]
