"""Routing rules: defaults by severity, first match wins, regex labels, explanations."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from warroom.alerts.formats.model import AlertEvent, FormatError
from warroom.alerts.formats.routing import RoutingRule, parse_rules, route

RULES_YAML = """
alert_routing:
  - name: payments-db
    match:
      source: alertmanager
      severity: [critical, error]
      labels:
        team: payments
        instance: "=~db-[0-9]+"
    service: payments-db
    severity: SEV-1
    group_by: [alertname, cluster]
    auto_resolve: true
  - name: staging-is-noise
    match:
      labels: {env: "=~staging|dev"}
    severity: none
  - match: {source: [customer]}
    service: support
    open_incident: false
"""


def _event(**fields: Any) -> AlertEvent:
    base: dict[str, Any] = {
        "source": "alertmanager",
        "action": "trigger",
        "dedup_key": "fp1",
        "summary": "s",
        "severity": "critical",
        "service": "billing",
    }
    return AlertEvent(**{**base, **fields})


@pytest.fixture
def rules() -> list[RoutingRule]:
    return parse_rules(yaml.safe_load(RULES_YAML)["alert_routing"])


@pytest.mark.parametrize(
    ("severity", "incident", "open_incident"),
    [
        ("critical", "SEV-1", True),
        ("error", "SEV-2", True),
        ("warning", "SEV-3", True),
        ("info", None, False),
    ],
)
def test_defaults_without_rules(severity: str, incident: str | None, open_incident: bool) -> None:
    decision = route(_event(severity=severity), [])
    assert decision.rule_index is None
    assert decision.incident_severity == incident
    assert decision.open_incident is open_incident
    assert decision.service == "billing"
    assert decision.reason.startswith(f"no rule matched; {severity} alerts default to ")


def test_a_rule_with_exact_and_regex_labels(rules: list[RoutingRule]) -> None:
    event = _event(
        severity="error",
        labels={"team": "payments", "instance": "db-12", "alertname": "Lag", "cluster": "eu"},
    )
    decision = route(event, rules)
    assert (decision.rule_index, decision.rule_name) == (0, "payments-db")
    assert decision.service == "payments-db"
    assert decision.incident_severity == "SEV-1"
    assert decision.open_incident and decision.auto_resolve
    assert decision.group_by == ["alertname", "cluster"]
    assert decision.group_key == "payments-db:alertname='Lag',cluster='eu'"
    assert decision.reason == (
        "rule 0 (payments-db) matched: source in alertmanager, severity in critical|error, "
        "team=payments, instance=~db-[0-9]+"
    )


@pytest.mark.parametrize(
    "labels",
    [
        {"team": "payments", "instance": "db-12x"},  # regexes match the whole value
        {"team": "payments", "instance": "web-1"},
        {"team": "Payments", "instance": "db-1"},
        {"instance": "db-1"},
    ],
)
def test_labels_that_do_not_match(rules: list[RoutingRule], labels: dict[str, str]) -> None:
    assert route(_event(labels=labels), rules).rule_index is None


def test_the_first_matching_rule_wins_and_none_means_alert_only(
    rules: list[RoutingRule],
) -> None:
    event = _event(labels={"team": "payments", "instance": "db-1", "env": "staging"})
    assert route(event, rules).rule_index == 0
    noise = route(_event(labels={"env": "dev"}), rules)
    assert noise.rule_index == 1
    assert (noise.incident_severity, noise.open_incident) == (None, False)


def test_a_rule_without_severity_keeps_the_default_but_can_hold_incidents(
    rules: list[RoutingRule],
) -> None:
    decision = route(_event(source="customer", severity="warning"), rules)
    assert decision.rule_index == 2
    assert decision.service == "support"
    assert decision.incident_severity == "SEV-3"
    assert decision.open_incident is False
    assert decision.reason == "rule 2 matched: source in customer"


def test_a_missing_label_is_empty_for_regexes() -> None:
    rules = parse_rules([{"match": {"labels": {"env": "=~|prod"}}, "severity": "SEV-4"}])
    assert route(_event(), rules).incident_severity == "SEV-4"
    assert route(_event(labels={"env": "qa"}), rules).rule_index is None


def test_a_rule_matching_everything() -> None:
    decision = route(_event(), parse_rules([{"service": "catch-all"}]))
    assert decision.service == "catch-all"
    assert decision.reason == "rule 0 matched: matches every alert"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"match": {}}, "'alert_routing' must be an array"),
        (
            [{"match": {"labels": {"a": "=~("}}}],
            "'alert_routing[0].match.labels.a' is not a valid regular expression: "
            "missing ), unterminated subpattern at position 0",
        ),
        (
            [{"match": {"severity": ["page"]}}],
            "'alert_routing[0].match.severity[0]' must be 'critical', 'error', 'warning' or 'info'",
        ),
        (
            [{"match": {"source": "nagios"}}],
            "'alert_routing[0].match.source[0]' must be 'alertmanager', 'pagerduty', 'datadog', "
            "'grafana', 'generic', 'customer' or 'healthcheck'",
        ),
        (
            [{"severity": "SEV-5"}],
            "'alert_routing[0].severity' must be 'SEV-1', 'SEV-2', 'SEV-3', 'SEV-4' or 'none'",
        ),
        ([{"open_incident": "yes"}], "'alert_routing[0].open_incident' must be true or false"),
        ([{"mtach": {}}], "'alert_routing[0].mtach' is not a known field"),
        ([{"group_by": "alertname"}], "'alert_routing[0].group_by' must be an array"),
    ],
)
def test_rule_errors_name_the_field(raw: Any, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules(raw)
    assert error in caught.value.errors


def test_the_incident_group_is_the_labels_the_service_or_the_alert_itself() -> None:
    rules = parse_rules(
        [
            {"match": {"labels": {"team": "db"}}, "group_by": ["alertname"]},
            {"match": {"labels": {"team": "web"}}, "when_more_severe": "own_incident"},
        ]
    )
    by_labels = route(_event(labels={"team": "db", "alertname": "Down"}, service="db"), rules)
    assert by_labels.incident_group == by_labels.group_key
    assert (
        by_labels.incident_group
        != route(
            _event(labels={"team": "db", "alertname": "Slow"}, service="db"), rules
        ).incident_group
    )
    by_service = route(_event(labels={"team": "web"}, service="web"), rules)
    assert by_service.incident_group == "service:web"
    assert by_service.when_more_severe == "own_incident"
    alone = route(_event(labels={}, service=None), rules)
    assert (alone.incident_group, alone.when_more_severe) == ("alertmanager:fp1", "raise")


def test_when_more_severe_accepts_raise_or_own_incident_only() -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules([{"when_more_severe": "lower"}])
    assert "alert_routing[0].when_more_severe" in caught.value.errors[0]
