"""Which service an alert belongs to: the rule's, then the integration's, then the one the
alert names only when it is configured (else it is kept as a label)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.formats.routing import RoutingRule, choose_service, route

KNOWN = ("api-service", "payments")
names = st.one_of(st.none(), st.sampled_from([*KNOWN, "postgres", "ledger"]))


def _event(service: str | None, labels: dict[str, str] | None = None) -> AlertEvent:
    return AlertEvent(
        source="pagerduty",
        action="trigger",
        dedup_key="k",
        summary="s",
        severity="critical",
        service=service,
        labels=labels or {},
    )


@given(named=names, integration=st.one_of(st.none(), st.sampled_from(KNOWN)))
def test_a_chosen_service_is_the_integrations_or_a_configured_one(
    named: str | None, integration: str | None
) -> None:
    service, unknown = choose_service(named, integration, KNOWN)
    assert service is None or service in KNOWN
    if integration is not None:
        assert service == integration
    elif named in KNOWN:
        assert service == named
    assert unknown == (named if named is not None and named not in KNOWN else None)


def test_with_no_service_configured_any_name_is_taken() -> None:
    assert choose_service("postgres", None, ()) == ("postgres", None)


def test_the_rule_wins_and_an_unknown_name_stays_a_label() -> None:
    rule = RoutingRule(service="payments")
    decision = route(_event("postgres"), [rule], integration_service="api-service")
    assert decision.service == "payments"
    decision = route(
        _event("postgres"), [], integration_service="api-service", known_services=KNOWN
    )
    assert decision.service == "api-service"
    assert decision.labels_for(_event("postgres")) == {"service": "postgres"}
    # PagerDuty's component is already a label: not repeated.
    event = _event("postgres", {"component": "postgres"})
    assert route(event, [], known_services=KNOWN).labels_for(event) == {"component": "postgres"}
