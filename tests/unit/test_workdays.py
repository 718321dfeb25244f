"""Low urgency waits for business hours (issue 11.12): when business hours are next open,
and escalation steps planned against them. Time math, so properties over many zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from warroom.paging.escalation.rules import Policy, Step, Target, plan, urgency
from warroom.workdays import BusinessCalendar

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]

calendars = st.builds(
    lambda zone, days, start, hours, country: BusinessCalendar(
        zone,
        frozenset(days),
        start,
        country,
        end=(datetime.combine(datetime(2025, 1, 1), start) + timedelta(hours=hours)).time(),
    ),
    st.sampled_from(ZONES),
    st.sets(st.integers(0, 6), min_size=1),
    st.times(min_value=time(6), max_value=time(11)),
    st.integers(1, 12),
    st.sampled_from([None, "US", "DE-BY"]),
)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(calendar=calendars, instant=instants)
def test_next_open_is_the_first_business_moment_not_before(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    opened = calendar.next_open(instant)
    assert opened >= instant
    assert calendar.is_open(opened)
    if opened > instant:
        # Closed all the way from `instant` to the opening: it opens at a start of day.
        assert not calendar.is_open(instant)
        local = opened.astimezone(calendar.zone)
        assert local.time().replace(tzinfo=None) == calendar.start
        assert not calendar.is_open(opened - timedelta(microseconds=1))


@given(calendar=calendars, instant=instants)
def test_an_open_moment_is_its_own_opening(calendar: BusinessCalendar, instant: datetime) -> None:
    assert (calendar.next_open(instant) == instant) == calendar.is_open(instant)


STEPS = (
    Step(0, timedelta(0), (Target("position", "on_call_engineer"),)),
    Step(1, timedelta(minutes=15), (Target("position", "engineering_lead"),), action="notify"),
)


@given(calendar=calendars, declared=instants)
def test_deferred_steps_fall_in_business_hours_in_order(
    calendar: BusinessCalendar, declared: datetime
) -> None:
    planned = plan(Policy("p", STEPS), "SEV-4", declared, defer=calendar.next_open)
    assert [p.step.index for p in planned] == [0, 1]
    for step in planned:
        assert calendar.is_open(step.due_at)
        assert step.due_at >= declared + step.step.after
    assert planned[0].due_at == calendar.next_open(declared)
    assert planned[0].due_at <= planned[1].due_at


def test_at_21_05_on_a_tuesday_in_berlin_a_sev4_waits_for_wednesday_09_00() -> None:
    berlin = BusinessCalendar("Europe/Berlin", frozenset(range(5)), time(9), "DE", end=time(17))
    declared = datetime(2025, 11, 4, 20, 5, tzinfo=UTC)  # 21:05 CET
    planned = plan(Policy("p", STEPS), "SEV-4", declared, defer=berlin.next_open)
    assert [p.due_at for p in planned] == [
        datetime(2025, 11, 5, 8, 0, tzinfo=UTC),  # 09:00 CET
        datetime(2025, 11, 5, 8, 15, tzinfo=UTC),
    ]


def test_urgency_follows_the_runbooks_business_days_unless_configured() -> None:
    assert urgency("SEV-4", True, {}) == "low"
    assert urgency("SEV-3", False, {}) == "high"
    assert urgency("SEV-3", False, {"SEV-3": "low"}) == "low"
    assert urgency("SEV-4", True, {"SEV-4": "high"}) == "high"


@given(calendar=calendars, instant=instants)
def test_a_next_business_day_response_is_due_when_that_day_closes(
    calendar: BusinessCalendar, instant: datetime
) -> None:
    due = calendar.next_business_day_end(instant)
    opened = calendar.next_business_day_start(instant)
    assert due > opened > instant
    assert due.astimezone(calendar.zone).date() == opened.astimezone(calendar.zone).date()
    assert calendar.is_open(due - timedelta(microseconds=1))
