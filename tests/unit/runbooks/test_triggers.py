"""Which runbook tasks warroom ticks itself: the declarative rules, on real runbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.incidents.rules import paged_role
from warroom.runbooks.model import ChecklistItem, Runbook
from warroom.runbooks.parser import parse_runbook
from warroom.runbooks.service import default_runbook
from warroom.runbooks.triggers import filled_role, role_filled, ticked_by, trigger_of

SEED = Path(__file__).parents[2] / "fixtures" / "runbooks" / "seed.md"

EXPECTED = {
    "acknowledged": ["Acknowledge the alert"],
    "declared": [
        "Declare incident: /incident-declare sev-1",
        "Start incident log: Document timeline in real-time",
    ],
    "team_assembled": ["Assemble team"],
    "role_filled:engineering_lead": ["Engineering lead"],
    "role_filled:on_call_engineer": ["On-call engineer"],
    "role_filled:product_manager": ["Product manager (SEV-1/2)"],
    "role_filled:communications_lead": ["Communications lead (SEV-1)"],
}


@pytest.mark.parametrize(
    "runbook",
    [default_runbook(), parse_runbook(SEED.read_bytes()).runbook],
    ids=["default", "seed"],
)
def test_the_runbooks_tasks_warroom_can_see_done(runbook: Runbook) -> None:
    checklists = [c for phase in runbook.phases for c in phase.checklists]
    assert ticked_by(checklists) == EXPECTED


def _item(text: str, label: str | None = None) -> ChecklistItem:
    return ChecklistItem(key="k", text=text, label=label)


@pytest.mark.parametrize(
    ("text", "label", "trigger"),
    [
        ("Acknowledge the page", None, "acknowledged"),
        ("Ack the alert in PagerDuty", None, "acknowledged"),
        ("Declare the incident: /incident-declare sev-2", "Declare the incident", "declared"),
        ("Assemble the response team", None, "team_assembled"),
        ("Assemble roles", "Assemble roles", "team_assembled"),
        ("Start the incident timeline", None, "declared"),
        # Only a person can judge or do these; warroom does not pretend to.
        ("Assess severity", None, None),
        ("Open incident channel in Slack: #incident-…", None, None),
        ("Review security alerts", None, None),
        ("Declare victory", None, None),
        ("Schedule postmortem", None, None),
        ("Incident declared by the commander", None, None),  # not a verb first
    ],
)
def test_rules_match_a_leading_verb_and_its_object(
    text: str, label: str | None, trigger: str | None
) -> None:
    assert trigger_of(_item(text, label)) == trigger


def test_role_triggers_round_trip() -> None:
    assert role_filled("engineering_lead") == "role_filled:engineering_lead"
    assert filled_role(role_filled("scribe")) == "scribe"
    assert filled_role("acknowledged") is None


def test_the_first_step_pages_the_on_call_engineer() -> None:
    assert paged_role(["schedule:primary"], first=True) == "on_call_engineer"
    assert paged_role(["position:on_call_engineer"], first=True) == "on_call_engineer"
    assert paged_role(["position:on_call_engineer"], first=False) == "on_call_engineer"
    assert paged_role(["position:engineering_lead"], first=False) is None
    assert paged_role(["schedule:primary"], first=False) is None  # a later step or round
