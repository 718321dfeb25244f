"""warroom's generic JSON alert and customer reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.alerts.formats import customer, generic
from warroom.alerts.formats.model import FormatError


def test_a_full_generic_alert() -> None:
    event = generic.parse(
        {
            "title": "Checkout error rate above 5%",
            "severity": "SEV-2",
            "status": "firing",
            "dedup_key": "checkout-errors",
            "service": "checkout",
            "source": "cron@batch-1",
            "description": "p95 5xx ratio 7.2% over 10m",
            "labels": {"env": "prod"},
            "details": {"ratio": 0.072},
            "links": [{"href": "https://grafana.example.com/d/checkout", "text": "Dashboard"}],
            "timestamp": "2025-11-01T13:00:00+01:00",
        }
    )
    assert event.source == "generic"
    assert (event.action, event.severity, event.dedup_key) == (
        "trigger",
        "error",
        "checkout-errors",
    )
    assert not event.dedup_key_generated
    assert (event.service, event.source_name) == ("checkout", "cron@batch-1")
    assert event.details == {"ratio": 0.072, "description": "p95 5xx ratio 7.2% over 10m"}
    assert event.occurred_at == datetime(2025, 11, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "severity"),
    [
        ("critical", "critical"),
        ("ERROR", "error"),
        ("warning", "warning"),
        ("info", "info"),
        ("SEV-1", "critical"),
        ("sev2", "error"),
        ("Sev-3", "warning"),
        ("4", "info"),
        (1, "critical"),
        (3, "warning"),
    ],
)
def test_generic_severities(given: Any, severity: str) -> None:
    assert generic.parse({"title": "t", "severity": given}).severity == severity


def test_without_dedup_key_the_same_alert_gets_the_same_key_and_can_resolve() -> None:
    alert = {
        "title": "Backup failed",
        "severity": "error",
        "service": "db",
        "labels": {"host": "db-1"},
    }
    fired = generic.parse(alert)
    resolved = generic.parse({**alert, "status": "resolved"})
    other = generic.parse({**alert, "labels": {"host": "db-2"}})
    assert fired.dedup_key_generated
    assert fired.dedup_key == resolved.dedup_key != other.dedup_key
    assert resolved.action == "resolve"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"severity": "info"}, "'title' is required"),
        ({"title": " ", "severity": "info"}, "'title' is missing or blank"),
        ({"title": "t"}, "'severity' is required"),
        (
            {"title": "t", "severity": "SEV-5"},
            "'severity' must be critical, error, warning, info, SEV-1..SEV-4 or 1..4",
        ),
        (
            {"title": "t", "severity": True},
            "'severity' must be critical, error, warning, info, SEV-1..SEV-4 or 1..4",
        ),
        (
            {"title": "t", "severity": "info", "status": "ok"},
            "'status' must be 'firing' or 'resolved'",
        ),
        ({"title": "t", "severity": "info", "labels": {"n": 1}}, "'labels.n' must be a string"),
        ({"title": "t", "severity": "info", "serverity": "x"}, "'serverity' is not a known field"),
        ({"title": "t", "severity": "info", "dedup_key": ""}, "'dedup_key' is missing or blank"),
    ],
)
def test_generic_errors_name_the_field(body: Any, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        generic.parse(body)
    assert error in caught.value.errors


def test_a_customer_report() -> None:
    text = "\n  Checkout fails with error 502 when paying by card\nSince about 12:40, on web."
    event = customer.parse(
        {"reporter": "ana@customer.example", "text": text, "service": "checkout"}
    )
    assert event.source == "customer"
    assert (event.action, event.severity) == ("trigger", "warning")
    assert event.summary == "Checkout fails with error 502 when paying by card"
    assert (event.service, event.source_name) == ("checkout", "ana@customer.example")
    assert event.details["text"] == text.strip()
    assert event.dedup_key.startswith("customer:")


def test_the_same_report_twice_is_one_alert() -> None:
    first = customer.parse({"reporter": "ana", "text": "Site down"})
    again = customer.parse({"reporter": "ana", "text": "Site down\n"})
    other = customer.parse({"reporter": "bob", "text": "Site down"})
    assert first.dedup_key == again.dedup_key != other.dedup_key


def test_a_long_first_line_is_cut_to_200_characters() -> None:
    event = customer.parse({"reporter": "ana", "text": "x" * 500})
    assert len(event.summary) == customer.SUMMARY_MAX
    assert event.summary.endswith("…")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"text": "down"}, "'reporter' is required"),
        ({"reporter": "ana"}, "'text' is required"),
        ({"reporter": "ana", "text": " \n "}, "'text' is missing or blank"),
        (
            {"reporter": "ana", "text": "x" * 10_001},
            "'text' is too long (maximum 10000 characters)",
        ),
        ({"reporter": "ana", "text": "t", "service": 3}, "'service' must be a string"),
    ],
)
def test_customer_errors_name_the_field(body: Any, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        customer.parse(body)
    assert error in caught.value.errors
