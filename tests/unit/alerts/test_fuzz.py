"""Whatever JSON arrives, every parser answers with events or a FormatError, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.alerts.formats import (
    alertmanager,
    customer,
    datadog,
    generic,
    grafana,
    pagerduty,
    routing,
)
from warroom.alerts.formats.model import AlertEvent, Batch, FormatError

PARSERS: list[Callable[[Any], object]] = [
    alertmanager.parse,
    grafana.parse,
    pagerduty.parse_event,
    pagerduty.parse_change,
    datadog.parse,
    generic.parse,
    customer.parse,
    routing.parse_rules,
]

# The field names the formats know, so the fuzzer reaches past "missing field" often.
KEYS = st.sampled_from(
    [
        "status",
        "alerts",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "fingerprint",
        "version",
        "truncatedAlerts",
        "values",
        "routing_key",
        "event_action",
        "dedup_key",
        "payload",
        "summary",
        "source",
        "severity",
        "timestamp",
        "custom_details",
        "links",
        "images",
        "href",
        "src",
        "title",
        "body",
        "alert_id",
        "aggregate",
        "alert_transition",
        "alert_type",
        "tags",
        "date",
        "last_updated",
        "reporter",
        "text",
        "service",
        "match",
        "group_by",
        "open_incident",
    ]
) | st.text(max_size=5)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from(
        [
            "firing",
            "resolved",
            "trigger",
            "resolve",
            "acknowledge",
            "critical",
            "SEV-1",
            "0001-01-01T00:00:00Z",
            "2025-11-01T12:00:00Z",
            "1762000000000",
            "=~(",
            "=~.*",
            " ",
            "Recovered",
            "success",
            "4",
            "1",
        ]
    )
    | st.text()
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=30,
)


def _check(parse: Callable[[Any], object], raw: Any) -> None:
    try:
        result = parse(raw)
    except FormatError as exc:
        assert exc.errors
        assert all(isinstance(error, str) and error for error in exc.errors)
        return
    events = result.events if isinstance(result, Batch) else [result]
    for event in events:
        if isinstance(event, AlertEvent):
            assert event.dedup_key
            for moment in (event.occurred_at, event.starts_at, event.ends_at):
                assert moment is None or moment.utcoffset() == timedelta(0)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(raw=JSON)
def test_any_json_gives_events_or_a_format_error(raw: Any) -> None:
    for parse in PARSERS:
        _check(parse, raw)


PD_TRIGGER = st.fixed_dictionaries(
    {"routing_key": st.text(), "event_action": st.just("trigger")},
    optional={
        "dedup_key": SCALARS,
        "payload": st.dictionaries(KEYS, SCALARS, max_size=6),
        "links": JSON,
        "images": JSON,
        "client_url": SCALARS,
    },
)
AM_BODY = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["firing", "resolved"]),
        "alerts": st.lists(
            st.dictionaries(KEYS, SCALARS | st.dictionaries(st.text(), st.text()), max_size=6),
            max_size=3,
        ),
    },
)


@settings(max_examples=300)
@given(raw=PD_TRIGGER | AM_BODY)
def test_nearly_valid_bodies_too(raw: Any) -> None:
    for parse in PARSERS:
        _check(parse, raw)
