"""The stale timeout: off unless set for senders that send their own resolves, and where
set, checked against the sender's re-send interval (issue 11.1)."""

from __future__ import annotations

from warroom.alerts.stale import stale_timeout, warning
from warroom.config import ConfigProblem, parse_config


def test_only_generic_alerts_expire_by_default() -> None:
    for source in ("alertmanager", "grafana", "pagerduty", "datadog", "healthcheck"):
        assert stale_timeout(None, source, 300) is None
    assert stale_timeout(None, "generic", 300) == 300
    assert stale_timeout(0, "generic", 300) is None  # 0: never
    assert stale_timeout(6 * 3600, "alertmanager", 300) == 6 * 3600


def test_a_timeout_within_the_senders_repeat_interval_is_warned_about() -> None:
    short = warning("alertmanager", 300)
    assert short is not None
    assert "repeat_interval (4 h by default)" in short and "5 minutes" in short
    assert warning("alertmanager", 5 * 3600) is None
    assert warning("grafana", 4 * 3600) is not None
    assert "renotify" in (warning("datadog", 3600) or "")
    assert warning("alertmanager", None) is None
    assert warning("generic", 60) is None


def test_config_validate_names_the_line_of_a_short_stale_timeout() -> None:
    text = """integrations:
  - name: prom
    kind: alertmanager
    key_env: WARROOM_TEST_UNSET_KEY
    resolve_timeout: 30m
"""
    warnings: list[ConfigProblem] = []
    parse_config(text, "warroom.yaml", warnings=warnings)
    found = {w.key: w for w in warnings}
    stale = found["integrations[0].resolve_timeout"]
    assert stale.line == 5
    assert "must exceed the route's repeat_interval" in stale.message
    assert "the server needs it set" in found["integrations[0].key_env"].message
