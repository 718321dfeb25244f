"""The shipped default runbook: clean, and the same policy as the customer's seed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from warroom.runbooks.model import Runbook
from warroom.runbooks.parser import parse_runbook
from warroom.runbooks.service import DEFAULT_RUNBOOK_PATH, default_runbook

SEED = Path(__file__).parents[2] / "fixtures" / "runbooks" / "seed.md"


def _seed() -> Runbook:
    return parse_runbook(SEED.read_bytes()).runbook


def _without_lines(value: Any) -> Any:
    """Model dump minus source line numbers (the default adds an intro paragraph) and raw
    code-block text (the default drops the seed's trailing spaces; commands still compare)."""
    if isinstance(value, dict):
        return {
            k: _without_lines(v)
            for k, v in value.items()
            if k != "line" and not (k == "code" and isinstance(v, str))
        }
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def test_default_parses_with_no_errors_or_warnings() -> None:
    result = parse_runbook(DEFAULT_RUNBOOK_PATH.read_bytes())
    assert [f for f in result.findings if f.level != "info"] == []
    assert result.findings == []


def test_default_is_clean_markdown() -> None:
    text = DEFAULT_RUNBOOK_PATH.read_text()
    assert "\\`" not in text
    assert "ðŸ" not in text
    assert "$(" not in text
    assert "🚨" in text


def test_default_runbook_is_cached_and_dated() -> None:
    assert default_runbook() is default_runbook()
    assert default_runbook().metadata.last_updated == date(2026, 11, 26)
    assert default_runbook().metadata.version == "2.0"


def test_same_policy_as_the_seed() -> None:
    default, seed = default_runbook(), _seed()
    for section in (
        "severities",
        "roles",
        "communication",
        "escalation",
        "incident_types",
        "actions",
        "required_access",
        "quick_links",
        "contacts",
    ):
        assert _without_lines(default.model_dump()[section]) == _without_lines(
            seed.model_dump()[section]
        ), section
    assert default.metadata.version == seed.metadata.version
    assert default.metadata.owner == seed.metadata.owner


def test_same_phases_as_the_seed_with_windows_where_the_seed_has_none() -> None:
    default, seed = default_runbook(), _seed()
    assert len(default.phases) == len(seed.phases) == 7
    for mine, theirs in zip(default.phases, seed.phases, strict=True):
        assert (mine.number, mine.name, mine.key) == (theirs.number, theirs.name, theirs.key)
        for field in ("checklists", "questions", "roles", "info_lists"):
            assert _without_lines(mine.model_dump()[field]) == _without_lines(
                theirs.model_dump()[field]
            )
        if theirs.window.kind != "unspecified":
            assert mine.window == theirs.window
    communication = default.phase("communication")
    resolution = default.phase("resolution")
    assert communication is not None and communication.window.kind == "ongoing"
    assert resolution is not None
    assert (resolution.window.kind, resolution.window.anchor) == ("immediate", "mitigation")
    assert resolution.window.start == timedelta(0)


def test_existing_policy_lookups_still_work() -> None:
    runbook = default_runbook()
    assert runbook.severity("sev-1").name == "SEV-1"
    assert runbook.severity("high").name == "SEV-2"
    assert runbook.required_roles("SEV-2") == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
    ]
    assert "critical" in runbook.accepted_severities()
