"""Alertmanager webhook (payload version 4): one event per alert, Go zero time, errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.alerts.formats import alertmanager
from warroom.alerts.formats.model import FormatError

Load = Callable[[str], Any]


def test_each_alert_becomes_an_event_with_the_group_metadata(payload: Load) -> None:
    batch = alertmanager.parse(payload("alertmanager_v4"))

    assert batch.status == "firing"
    assert batch.receiver == "warroom"
    assert batch.group_key == '{}/{severity="critical"}:{alertname="ProbeFailure"}'
    assert batch.truncated_alerts == 3
    assert batch.group_labels == {"alertname": "ProbeFailure"}
    assert batch.external_url == "http://alertmanager.example.org:9093"
    probe, latency = batch.events

    assert probe.source == "alertmanager"
    assert probe.action == "trigger"
    assert probe.dedup_key == "1a30ba71cca2921f"
    assert not probe.dedup_key_generated
    assert probe.summary == "BlackBox Probe Failure: https://shop.example.org"
    assert probe.severity == "critical"
    assert probe.service == "checkout"
    assert probe.source_name == "https://shop.example.org"
    assert probe.labels["alertname"] == "ProbeFailure"
    assert probe.details["runbook_url"] == "https://runbooks.example.org/probe-failure"
    assert [item["text"] for item in probe.links] == ["Source", "Runbook"]
    # Nanoseconds are cut to microseconds; the offset is converted to UTC.
    assert probe.starts_at == datetime(2025, 11, 1, 11, 3, 45, 828123, tzinfo=UTC)
    assert probe.occurred_at == probe.starts_at
    assert probe.ends_at is None  # Go's zero time means "still firing"

    assert latency.action == "resolve"
    assert latency.severity == "critical"  # severity=page
    assert latency.summary == "p99 latency above 2s"  # description when no summary
    assert latency.service is None
    assert latency.ends_at == datetime(2025, 11, 1, 11, 58, 30, tzinfo=UTC)
    assert latency.occurred_at == latency.ends_at  # a resolve happened when it ended


def test_missing_fingerprint_is_computed_as_alertmanager_does(payload: Load) -> None:
    body = payload("alertmanager_v4")
    labels = body["alerts"][0]["labels"]
    del body["alerts"][0]["fingerprint"]

    event = alertmanager.parse(body).events[0]

    assert event.dedup_key == alertmanager.fingerprint(labels)
    assert event.dedup_key_generated
    # Reordering labels does not change the key.
    assert alertmanager.fingerprint(dict(reversed(labels.items()))) == event.dedup_key


def test_fingerprint_matches_prometheus_common_test_vectors() -> None:
    # prometheus/common model/fingerprinting TestMetricToFingerprint.
    assert int(alertmanager.fingerprint({}), 16) == 14695981039346656037
    labels = {"name": "garland, briggs", "fear": "love is not enough"}
    assert int(alertmanager.fingerprint(labels), 16) == 5799056148416392346


@pytest.mark.parametrize(
    ("labels", "annotations", "summary", "severity"),
    [
        ({"alertname": "DiskFull"}, {}, "DiskFull", "warning"),
        ({"alertname": "A", "severity": "HIGH"}, {"summary": "  "}, "A", "error"),
        ({"alertname": "A", "severity": "low"}, {}, "A", "info"),
        ({"alertname": "A", "severity": "error"}, {}, "A", "error"),
        ({"alertname": "A", "severity": "whatever"}, {}, "A", "warning"),
        ({"severity": "info"}, {}, "Alert 00000000000000ab", "info"),
    ],
)
def test_summary_and_severity_fallbacks(
    labels: dict[str, str], annotations: dict[str, str], summary: str, severity: str
) -> None:
    body = {
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": annotations,
                "fingerprint": "00000000000000ab",
            }
        ],
    }
    event = alertmanager.parse(body).events[0]
    assert (event.summary, event.severity) == (summary, severity)


def test_zero_start_time_is_unset_too() -> None:
    body = {
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"a": "b"}, "startsAt": "0001-01-01T00:00:00Z"}],
    }
    event = alertmanager.parse(body).events[0]
    assert (event.starts_at, event.ends_at, event.occurred_at) == (None, None, None)


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda b: b.pop("status"), "'status' is required"),
        (lambda b: b.pop("alerts"), "'alerts' is required"),
        (lambda b: b.update(alerts={}), "'alerts' must be an array"),
        (lambda b: b.update(version="3"), "'version' must be '4'"),
        (lambda b: b.update(truncatedAlerts="2"), "'truncatedAlerts' must be an integer"),
        (
            lambda b: b["alerts"][1].update(status="ok"),
            "'alerts[1].status' must be 'firing' or 'resolved'",
        ),
        (
            lambda b: b["alerts"][0]["labels"].update(port=8080),
            "'alerts[0].labels.port' must be a string",
        ),
        (lambda b: b["alerts"][0].pop("labels"), "'alerts[0].labels' is required"),
        (
            lambda b: b["alerts"][0].update(startsAt="yesterday"),
            "'alerts[0].startsAt' is not an ISO 8601 time like 2025-11-01T12:00:00Z",
        ),
        (
            lambda b: b["alerts"][0].update(endsAt=1730000000),
            "'alerts[0].endsAt' must be a string with an ISO 8601 time",
        ),
    ],
)
def test_errors_name_the_field(payload: Load, mutate: Callable[[Any], Any], error: str) -> None:
    body = payload("alertmanager_v4")
    mutate(body)
    try:
        batch = alertmanager.parse(body)
    except FormatError as refused:
        errors = refused.errors
    else:  # one bad alert of two: left out, named, and the other one kept
        assert len(batch.events) == 1
        errors = [e for rejected in batch.rejected for e in rejected.errors]
    assert error in errors


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(FormatError) as caught:
        alertmanager.parse({"alerts": [{"status": "firing"}, {"labels": {}}]})
    assert caught.value.errors == [
        "'status' is required",
        "'alerts[0].labels' is required",
        "'alerts[1].status' is required",
    ]


@pytest.mark.parametrize("body", [None, [], "firing", 4, True])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    with pytest.raises(FormatError) as caught:
        alertmanager.parse(body)
    assert caught.value.errors == ["the body must be a JSON object"]
