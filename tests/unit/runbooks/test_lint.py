"""Lint: bad input becomes findings, never a traceback; each check says what it found."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.runbooks.findings import Finding, RunbookError
from warroom.runbooks.lint import has_errors, lint
from warroom.runbooks.parser import parse_runbook
from warroom.runbooks.service import load_runbook
from warroom.runbooks.source import MAX_RUNBOOK_BYTES

SEVERITIES = """# Runbook

## Severity Levels

| Severity | Description | Response Time |
|----------|-------------|---------------|
| SEV-1 | Critical - down | 15 minutes |
| SEV-2 | High - degraded | 1 hour |

## Escalation Matrix

| Time | Action |
|------|--------|
| 0 min | On-call engineer paged |
"""


def _codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in findings]


def test_empty_file() -> None:
    assert _codes(lint(b"")) == [("error", "empty")]
    assert _codes(lint("   \n\n")) == [("error", "empty")]


def test_not_markdown() -> None:
    findings = lint('{"severity": 1, "oops": [1, 2, 3]}\n')
    assert ("error", "no-severity-section") in _codes(findings)
    assert ("warning", "no-escalation-section") in _codes(findings)


def test_binary_data() -> None:
    data = random.Random(7).randbytes(4096) + b"\x00\xff\xfe"
    findings = lint(data)
    assert findings[0].code == "binary-data"
    assert has_errors(findings)


def test_a_few_invalid_bytes_are_a_warning_with_the_line() -> None:
    text = (SEVERITIES + "\nCaf\xe9 notes\n").encode("latin-1")
    findings = lint(text)
    bad = [f for f in findings if f.code == "invalid-utf8"]
    assert [(f.level, f.line) for f in bad] == [("warning", SEVERITIES.count("\n") + 2)]
    assert not has_errors(findings)


def test_ten_megabyte_file_is_refused_quickly() -> None:
    big = (SEVERITIES + "\n" + "- filler line for size\n" * 500_000).encode()
    assert len(big) > 10_000_000
    assert _codes(lint(big)) == [("error", "too-large")]
    assert len(big) > MAX_RUNBOOK_BYTES


def test_random_bytes_of_many_sizes_never_raise() -> None:
    rng = random.Random(1)
    for size in (1, 10, 100, 1000, 20_000):
        result = parse_runbook(rng.randbytes(size))
        assert has_errors(result.findings)
    assert parse_runbook(os.urandom(64)).runbook.severities == []


def test_table_with_missing_cells() -> None:
    text = SEVERITIES.replace("| SEV-2 | High - degraded | 1 hour |", "| SEV-2 | High |")
    result = parse_runbook(text)
    assert ("warning", "table-missing-cells") in _codes(result.findings)
    assert ("error", "severity-row-unreadable") in _codes(result.findings)
    assert [s.name for s in result.runbook.severities] == ["SEV-1", "SEV-2"]
    assert result.runbook.severities[1].response_time is None


def test_heading_with_no_body() -> None:
    findings = lint(SEVERITIES + "\n## Notes\n")
    (empty,) = [f for f in findings if f.code == "empty-section"]
    assert empty.level == "warning"
    assert empty.line == SEVERITIES.count("\n") + 2


def test_severity_section_without_a_table() -> None:
    findings = lint("# Runbook\n\n## Severity Levels\n\nSEV-1 is bad.\n")
    assert ("error", "severity-table-unreadable") in _codes(findings)


def test_severity_table_without_a_name_column() -> None:
    text = "## Severity Levels\n\n| Foo | Bar |\n|---|---|\n| 1 | 2 |\n"
    assert ("error", "severity-table-unreadable") in _codes(lint(text))


def test_unreadable_response_time_is_an_error_on_its_row() -> None:
    text = SEVERITIES.replace("| 1 hour |", "| whenever |")
    (error,) = [f for f in lint(text) if f.level == "error"]
    assert (error.code, error.line) == ("severity-row-unreadable", 8)


def test_unparseable_escalation_rows() -> None:
    text = SEVERITIES + "| soonish | CTO notified |\n| 30 min | VP notified (SEV-9) |\n"
    errors = [f for f in lint(text) if f.level == "error"]
    assert [(f.code, f.line) for f in errors] == [
        ("escalation-row-unreadable", 15),
        ("escalation-row-unreadable", 16),
    ]


def test_escalation_list_with_unreadable_item() -> None:
    text = SEVERITIES.split("## Escalation", maxsplit=1)[0] + (
        "## Escalation\n\n- 0 min: On-call paged\n- whenever someone remembers\n"
    )
    result = parse_runbook(text)
    assert [f.code for f in result.errors] == ["escalation-row-unreadable"]
    assert [s.target_key for s in result.runbook.escalation.steps] == ["on_call"]


def test_phase_without_window_and_unreadable_window() -> None:
    text = SEVERITIES + "\n## Phase 1: Triage\n\n- [ ] Look\n\n## Phase 2: Fix (someday)\n\n- a\n"
    findings = lint(text)
    assert ("warning", "phase-without-window") in _codes(findings)
    # "(someday)" is no window: it stays in the name and lint says the phase has none.
    assert sum(f.code == "phase-without-window" for f in findings) == 2


def test_command_that_cannot_be_parameterised() -> None:
    text = SEVERITIES + '\n## Phase 1: Fix (0-5 min)\n\n```bash\necho "unbalanced\n```\n'
    (finding,) = [f for f in lint(text) if f.code == "command-not-parameterised"]
    assert finding.level == "warning"
    assert finding.line == 19


def test_unexpanded_substitution_outside_code_only() -> None:
    text = SEVERITIES + "\nOwner: $(whoami)\n\n```bash\necho $(date)\n```\n"
    found = [f for f in lint(text) if f.code == "unexpanded-substitution"]
    assert [f.line for f in found] == [16]


def test_escaped_fences_keep_line_numbers() -> None:
    text = (
        SEVERITIES + "\n## Phase 1: Fix (0-5 min)\n\n\\`\\`\\`bash\nkubectl get pods\n\\`\\`\\`\n"
    )
    result = parse_runbook(text)
    assert ("info", "escaped-fences-repaired") in _codes(result.findings)
    (action,) = result.runbook.actions
    assert action.line == 19
    assert action.command == "kubectl get pods"


def test_mojibake_is_repaired() -> None:
    text = SEVERITIES + "\nðŸš¨ alert\n"
    result = parse_runbook(text)
    (finding,) = [f for f in result.findings if f.code == "mojibake-repaired"]
    assert finding.line == 16


def test_load_runbook_raises_with_findings(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("# Nothing useful\n")
    with pytest.raises(RunbookError) as info:
        load_runbook(path)
    assert "no-severity-section" in [f.code for f in info.value.findings]
    assert "bad.md" in str(info.value)


def test_load_runbook_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RunbookError) as info:
        load_runbook(tmp_path / "missing.md")
    assert [f.code for f in info.value.findings] == ["unreadable"]


def test_load_runbook_accepts_warnings(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_text(SEVERITIES.split("## Escalation", maxsplit=1)[0])
    runbook = load_runbook(path)
    assert runbook.escalation.source == "default"


# Markdown-ish fragments, so generated documents hit headings, tables, lists and fences.
_MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            "#",
            "## ",
            "|",
            "-",
            "*",
            "[",
            "]",
            "(",
            ")",
            " ",
            ":",
            "`",
            "```",
            "\\`",
            "\n",
            "\t",
            ">",
            "1",
            "5 min",
            "SEV-1",
            "- [ ] ",
            "**",
            "$(",
            "{x}",
            "Phase 1: ",
            "\r",
        ]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MARKDOWNISH, st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_input_never_raises_or_hits_an_internal_error(source: str | bytes) -> None:
    result = parse_runbook(SEVERITIES + "\n" + source if isinstance(source, str) else source)
    assert "internal-error" not in [f.code for f in result.findings]
