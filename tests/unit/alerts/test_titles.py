"""Incident titles from the alerts that opened them (issue 11.8)."""

from __future__ import annotations

from warroom.alerts.titles import AlertText, group_title


def alert(name: str, instance: str, summary: str = "") -> AlertText:
    return AlertText(summary or f"{name} on {instance}", {"alertname": name, "instance": instance})


def test_one_alert_is_titled_by_its_summary() -> None:
    assert group_title([alert("HighErrorRate", "api-1")]) == "HighErrorRate on api-1"
    assert group_title([AlertText("   ", {})]) == "Alert"


def test_a_group_is_titled_by_its_alertname_and_count_of_hosts() -> None:
    two = [alert("HighErrorRate", "api-1"), alert("HighErrorRate", "api-2")]
    assert group_title(two) == "HighErrorRate on 2 hosts (api-1, api-2)"
    many = [alert("DiskFull", f"db-{i}") for i in range(1, 6)]
    assert group_title(many) == "DiskFull on 5 hosts (db-1, db-2, db-3, …)"
    again = [alert("DiskFull", "db-1"), alert("DiskFull", "db-1", "other")]
    assert group_title(again) == "DiskFull: 2 alerts"  # one host


def test_a_mixed_group_says_how_many_more() -> None:
    mixed = [alert("Down", "a"), alert("Slow", "b"), alert("Slow", "c")]
    assert group_title(mixed) == "Down on a (and 2 more alerts)"
