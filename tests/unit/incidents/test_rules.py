from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.incidents import rules
from warroom.incidents.rules import Status
from warroom.runbooks.model import UnknownSeverityError
from warroom.runbooks.service import default_runbook
from warroom.workdays import BusinessCalendar


def test_refs_round_trip_and_accept_the_runbook_forms() -> None:
    assert rules.format_ref(date(2025, 11, 1), 1) == "incident-2025-11-01-0001"
    assert rules.format_ref(date(2025, 11, 1), 12345) == "incident-2025-11-01-12345"
    for text in ("incident-2025-11-01-001", "incident-2025-11-01-0001", "#incident-2025-11-01-1"):
        assert rules.parse_ref(text) == (date(2025, 11, 1), 1)
    for bad in ("incident-2025-13-01-0001", "incident-2025-11-01-0000", "INC-1", ""):
        with pytest.raises(ValueError, match="not an incident reference"):
            rules.parse_ref(bad)


@given(st.dates(), st.integers(min_value=1, max_value=10**6))
def test_any_ref_parses_back(day: date, seq: int) -> None:
    assert rules.parse_ref(rules.format_ref(day, seq)) == (day, seq)


def test_lifecycle_moves() -> None:
    assert rules.allowed_moves(Status.investigating) == [
        Status.identified,
        Status.monitoring,
        Status.resolved,
    ]
    assert rules.allowed_moves(Status.monitoring) == [Status.investigating, Status.resolved]
    assert rules.allowed_moves(Status.resolved) == []
    assert not rules.can_move(Status.monitoring, Status.identified)
    assert not rules.can_move(Status.identified, Status.identified)


def test_severity_spellings_resolve_against_the_runbook() -> None:
    runbook = default_runbook()
    for text, name in (
        ("sev-1", "SEV-1"),
        ("SEV1", "SEV-1"),
        ("1", "SEV-1"),
        ("critical", "SEV-1"),
        ("High", "SEV-2"),
        ("sev 3", "SEV-3"),
        ("low", "SEV-4"),
    ):
        assert runbook.severity(text).name == name
    with pytest.raises(UnknownSeverityError) as caught:
        runbook.severity("urgent")
    assert "critical" in str(caught.value)
    with pytest.raises(UnknownSeverityError):
        runbook.severity("")


def test_required_roles_follow_the_runbook() -> None:
    runbook = default_runbook()
    assert runbook.required_roles("SEV-1") == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
        "communications_lead",
    ]
    assert runbook.required_roles("SEV-2") == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
    ]
    assert runbook.required_roles("SEV-3") == ["engineering_lead", "on_call_engineer"]
    assert rules.missing_roles(["a", "b"], {"b", "c"}) == ["a"]


def test_response_due_uses_runbook_times() -> None:
    runbook = default_runbook()
    start = datetime(2025, 11, 4, 10, 0, tzinfo=UTC)
    calendar = BusinessCalendar()
    assert rules.response_due(start, runbook.severity("1"), calendar) == start + timedelta(
        minutes=15
    )
    assert rules.response_due(start, runbook.severity("2"), calendar) == start + timedelta(hours=1)
    assert rules.response_due(start, runbook.severity("3"), calendar) == start + timedelta(hours=4)
    # Next business day: by the end of its business hours (17:00 by default).
    assert rules.response_due(start, runbook.severity("4"), calendar) == datetime(
        2025, 11, 5, 17, 0, tzinfo=UTC
    )


def test_breach() -> None:
    due = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert not rules.response_breached(due, None, due)
    assert rules.response_breached(due, None, due + timedelta(seconds=1))
    assert not rules.response_breached(due, due, due + timedelta(days=1))
    assert rules.response_breached(due, due + timedelta(seconds=1), due)
    assert not rules.response_breached(None, None, due)


def test_parse_since() -> None:
    now = datetime(2025, 11, 1, 12, tzinfo=UTC)
    assert rules.parse_since("24h", now) == now - timedelta(hours=24)
    assert rules.parse_since("7d", now) == now - timedelta(days=7)
    assert rules.parse_since("30m", now) == now - timedelta(minutes=30)
    assert rules.parse_since("2025-10-01", now) == datetime(2025, 10, 1, tzinfo=UTC)
    assert rules.parse_since("2025-10-01T10:00:00+02:00", now) == datetime(
        2025, 10, 1, 8, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="cannot read"):
        rules.parse_since("yesterday", now)


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


@given(
    instant=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    start=st.times(min_value=time(6), max_value=time(11)),
    country=st.sampled_from([None, "US", "DE-BY", "GB"]),
)
def test_next_business_day_is_a_later_working_day_at_start_of_business(
    instant: datetime, zone: str, weekdays: set[int], start: time, country: str | None
) -> None:
    calendar = BusinessCalendar(zone, frozenset(weekdays), start, country)
    due = calendar.next_business_day_start(instant)
    local = due.astimezone(calendar.zone)
    assert due > instant
    assert local.date() > instant.astimezone(calendar.zone).date()
    assert calendar.is_business_day(local.date())
    assert local.time().replace(tzinfo=None) == start
    # No working day was skipped in between.
    day = instant.astimezone(calendar.zone).date() + timedelta(days=1)
    while day < local.date():
        assert not calendar.is_business_day(day)
        day += timedelta(days=1)


def test_holidays_are_skipped() -> None:
    calendar = BusinessCalendar("Europe/Berlin", frozenset(range(5)), time(9), "DE")
    # Wednesday 24 Dec 2025 evening -> 25 and 26 Dec are holidays -> Monday 29 Dec.
    due = calendar.next_business_day_start(datetime(2025, 12, 24, 18, tzinfo=UTC))
    assert due == datetime(2025, 12, 29, 8, tzinfo=UTC)
