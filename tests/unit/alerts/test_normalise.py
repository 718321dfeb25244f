"""The intake normaliser: whatever text a sender puts in an alert, what comes out fits
both databases (no NUL, valid Unicode, within the column), deterministically."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom import limits
from warroom.alerts.formats import alertmanager, datadog, generic, pagerduty
from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.formats.normalise import (
    bounded_key,
    clean_json,
    clean_text,
    cut,
    receipt_count,
    storable_event,
)

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40) | st.text(
    max_size=1500
)


def storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def json_storable(value: Any) -> bool:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return all(storable(k) and json_storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_storable(v) for v in value)
    return True


def assert_storable(event: AlertEvent) -> None:
    assert storable(event.dedup_key) and len(event.dedup_key) <= limits.DEDUP_KEY
    assert storable(event.summary) and len(event.summary) <= 1024
    assert event.service is None or (storable(event.service) and len(event.service) <= 200)
    assert json_storable(event.labels) and json_storable(event.details)
    assert json_storable(event.links) and json_storable(event.images)


def test_nul_and_lone_surrogates_become_the_replacement_character() -> None:
    assert clean_text("a\x00b\ud800c?") == "a\ufffdb\ufffdc?"
    assert clean_text("plain") == "plain"


def test_long_values_are_cut_with_a_marker() -> None:
    assert cut("abcdef", 4) == "abc…"
    assert cut("abcd", 4) == "abcd"


def test_over_long_keys_keep_a_prefix_and_their_hash() -> None:
    long = "k" * 400
    assert bounded_key(long) == bounded_key(long)  # a trigger and its resolve meet
    assert len(bounded_key(long)) == limits.DEDUP_KEY
    assert bounded_key(long).startswith("k" * 235 + "~")
    assert bounded_key(long + "x") != bounded_key(long + "y")
    assert bounded_key("short") == "short"


def test_json_too_deep_or_not_finite_is_made_storable() -> None:
    deep: Any = "bottom"
    for _ in range(40):
        deep = [deep]
    cleaned = clean_json({"deep": deep, "nan": float("nan"), "k\x00": "v\x00"})
    depth, node = 0, cleaned["deep"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert node == "…" and depth < limits.JSON_DEPTH
    assert cleaned["nan"] == "nan"
    assert cleaned["k\ufffd"] == "v\ufffd"


def test_counts_beyond_an_integer_column_are_its_maximum() -> None:
    assert receipt_count(2**63 + 5) == limits.INT32_MAX
    assert receipt_count(3) == 3


def test_a_storable_event_is_returned_as_it_is() -> None:
    event = AlertEvent(
        source="generic", action="trigger", dedup_key="k", summary="s", severity="info"
    )
    assert storable_event(event) is event


@settings(max_examples=150)
@given(labels=st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=4), fingerprint=ANY_TEXT)
def test_every_alertmanager_alert_that_parses_is_storable(
    labels: dict[str, str], fingerprint: str
) -> None:
    body = {
        "status": "firing",
        "groupKey": fingerprint,
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": fingerprint * 3},
                "fingerprint": fingerprint,
            }
        ],
    }
    batch = alertmanager.parse(body)
    assert batch.group_key is None or storable(batch.group_key)
    for event in batch.events:
        assert_storable(event)


@settings(max_examples=150)
@given(text=ANY_TEXT, number=st.integers())
def test_every_datadog_generic_and_pagerduty_event_that_parses_is_storable(
    text: str, number: int
) -> None:
    events = [
        datadog.parse({"title": f"t{text}", "aggregate": f"a{text}" * 30, "tags": text}),
        datadog.parse({"title": "t", "alert_id": number, "alert_scope": text}),
        generic.parse(
            {
                "title": f"t{text}"[:1024],
                "severity": "info",
                "service": text * 10 or None,
                "labels": {text: text * 40},
                "details": {text: [text]},
            }
        ),
        pagerduty.parse_event(
            {
                "routing_key": "k",
                "event_action": "trigger",
                "dedup_key": text[:255] or None,
                "payload": {
                    "summary": f"s{text}",
                    "source": f"s{text}",
                    "severity": "info",
                    "component": text * 10 or None,
                    "custom_details": {text: text},
                },
            }
        ),
    ]
    for event in events:
        assert_storable(event)
