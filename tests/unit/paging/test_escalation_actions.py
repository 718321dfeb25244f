"""The runbook's word decides: "paged" rows page and stop at the acknowledgement,
"notified" rows notify and keep their time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from warroom.paging.escalation.rules import (
    Policy,
    Step,
    StepAction,
    Target,
    from_runbook,
    plan,
)
from warroom.runbooks.parser import parse_runbook

SEED = Path(__file__).parents[2] / "fixtures" / "runbooks" / "seed.md"
T0 = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def test_the_seed_runbooks_matrix_pages_the_on_call_and_notifies_the_rest() -> None:
    policy = from_runbook(parse_runbook(SEED.read_bytes()).runbook.escalation)
    assert [(s.label, s.action) for s in policy.steps] == [
        ("On-call engineer paged", "page"),
        ("Engineering lead notified", "notify"),
        ("VP Engineering notified (SEV-1)", "notify"),
        ("CTO notified (SEV-1)", "notify"),
        ("CEO notified (SEV-1)", "notify"),
    ]
    acknowledged = plan(policy, "SEV-1", T0, acknowledged=True)
    assert [p.step.label for p in acknowledged] == [s.label for s in policy.steps[1:]]


ACTIONS: list[StepAction] = ["page", "notify"]
actions = st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=6)


@given(actions=actions, repeat=st.integers(0, 2))
def test_acknowledging_leaves_exactly_the_notification_steps(
    actions: list[StepAction], repeat: int
) -> None:
    steps = tuple(
        Step(i, timedelta(minutes=5 * i), (Target("person", "p"),), action=a)
        for i, a in enumerate(actions)
    )
    policy = Policy("p", steps, repeat=repeat, repeat_every=timedelta(hours=1))
    everything = plan(policy, "SEV-1", T0)
    after_ack = plan(policy, "SEV-1", T0, acknowledged=True)
    assert after_ack == [p for p in everything if p.step.action == "notify"]
