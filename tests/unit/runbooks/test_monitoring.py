"""The monitoring window comes from the runbook's own words."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.runbooks.test_default import _seed
from warroom.runbooks.monitoring import monitoring_window
from warroom.runbooks.parser import parse_runbook
from warroom.runbooks.service import default_runbook


def test_the_seed_and_default_runbooks_monitor_for_up_to_30_minutes() -> None:
    # "Resolution Actions: 1. Monitor for 15-30 minutes": the longest watch it asks for.
    assert monitoring_window(_seed()) == timedelta(minutes=30)
    assert monitoring_window(default_runbook()) == timedelta(minutes=30)


def test_a_runbook_without_a_monitoring_step_has_no_window() -> None:
    text = """# Runbook

## Incident Response Process

### Phase 1: Resolution (0-60 minutes)

**Resolution Actions:**
1. Announce resolution in all channels
2. Monitoring shows stable state
"""
    assert monitoring_window(parse_runbook(text).runbook) is None


def test_a_single_duration_is_read_too() -> None:
    text = """# Runbook

## Incident Response Process

### Phase 1: Resolution (0-60 minutes)

**Resolution Actions:**
1. Watch for 1 hour
"""
    assert monitoring_window(parse_runbook(text).runbook) == timedelta(hours=1)
