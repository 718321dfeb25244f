"""Which phases an incident's state allows: pure, against the default and the seed runbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.runbooks.model import Runbook
from warroom.runbooks.parser import parse_runbook
from warroom.runbooks.service import default_runbook
from warroom.tasks.rules import phase_contradiction

SEED = Path(__file__).parents[2] / "fixtures" / "runbooks" / "seed.md"


def _runbooks() -> list[Runbook]:
    return [default_runbook(), parse_runbook(SEED.read_bytes()).runbook]


@pytest.mark.parametrize("runbook", _runbooks(), ids=["default", "seed"])
def test_postmortem_only_after_resolution(runbook: Runbook) -> None:
    postmortem = runbook.phase("postmortem")
    assert postmortem is not None
    reason = phase_contradiction(postmortem, resolved=False)
    assert reason == (
        "Postmortem comes after resolution (within 48 hours of resolving); "
        "resolve the incident first"
    )
    assert phase_contradiction(postmortem, resolved=True) is None


@pytest.mark.parametrize("runbook", _runbooks(), ids=["default", "seed"])
def test_a_resolved_incident_has_left_the_live_response(runbook: Runbook) -> None:
    for key in ("detection", "triage", "investigation", "mitigation"):
        phase = runbook.phase(key)
        assert phase is not None
        assert phase_contradiction(phase, resolved=False) is None
        reason = phase_contradiction(phase, resolved=True)
        assert reason is not None
        assert "reopen it first" in reason
        assert phase.name in reason
    # Communication (throughout) and resolution fit either state.
    for key in ("communication", "resolution"):
        phase = runbook.phase(key)
        assert phase is not None
        assert phase_contradiction(phase, resolved=True) is None
        assert phase_contradiction(phase, resolved=False) is None
