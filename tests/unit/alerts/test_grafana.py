"""Grafana unified alerting webhook: Alertmanager's shape plus Grafana's links and values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from warroom.alerts.formats import grafana
from warroom.alerts.formats.model import FormatError

Load = Callable[[str], Any]


def test_grafana_alerts_become_events_with_links_and_values(payload: Load) -> None:
    batch = grafana.parse(payload("grafana"))

    assert batch.status == "firing"
    assert batch.group_key == '{}:{alertname="High memory usage"}'
    assert batch.truncated_alerts == 0
    memory, cpu = batch.events

    assert memory.source == "grafana"
    assert memory.action == "trigger"
    assert memory.dedup_key == "c6eadffa33fcdf37"
    assert memory.summary == "This alert was triggered for zone us-1"
    assert memory.severity == "warning"
    assert memory.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.ends_at is None
    assert memory.details["values"] == {"B": 44.23943737541908, "C": 1}
    assert memory.details["value_string"].startswith("[ var='B'")
    assert [item["text"] for item in memory.links] == [
        "Source",
        "Runbook",
        "Dashboard",
        "Panel",
        "Silence",
    ]
    assert memory.images == [
        {
            "src": "https://grafana.example.org/render/mem.png",
            "alt": "This alert was triggered for zone us-1",
        }
    ]

    assert cpu.action == "resolve"
    assert cpu.summary == "High CPU usage"  # labels.alertname
    assert [item["text"] for item in cpu.links] == ["Source"]  # empty URLs are skipped
    assert cpu.images == []
    assert cpu.occurred_at == datetime(2021, 10, 12, 8, 6, 3, 157076, tzinfo=UTC)


def test_group_title_is_the_last_resort_summary() -> None:
    body = {
        "status": "firing",
        "title": "[FIRING:1] DatasourceNoData",
        "alerts": [{"status": "firing", "labels": {"rule_uid": "x"}, "fingerprint": "f1"}],
    }
    # Without the state it was sent in, which goes stale (issue 11.8).
    assert grafana.parse(body).events[0].summary == "DatasourceNoData"


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda b: b.update(version="4"), "'version' must be '1'"),
        (lambda b: b.update(orgId="1"), "'orgId' must be an integer"),
        (
            lambda b: b["alerts"][0].update(values={"B": "high"}),
            "'alerts[0].values.B' must be a number",
        ),
        (
            lambda b: b["alerts"][0].update(dashboardURL=None),
            "'alerts[0].dashboardURL' must be a string",
        ),
    ],
)
def test_grafana_errors_name_the_field(
    payload: Load, mutate: Callable[[Any], Any], error: str
) -> None:
    body = payload("grafana")
    mutate(body)
    try:
        batch = grafana.parse(body)
    except FormatError as refused:
        errors = refused.errors
    else:  # one bad alert of several: left out, named, and the others kept
        assert len(batch.events) == len(body["alerts"]) - 1
        errors = [e for rejected in batch.rejected for e in rejected.errors]
    assert error in errors
