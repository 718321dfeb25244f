"""`warroom runbook lint|show`, driven through the Typer sub-app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warroom.cli.runbook import runbook_app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "runbooks"
runner = CliRunner()


def test_lint_seed_has_warnings_only() -> None:
    path = FIXTURES / "seed.md"
    result = runner.invoke(runbook_app, ["lint", str(path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert f"{path}:101: warning: phase 'Communication' has no time window" in lines
    assert any(line.startswith(f"{path}:115: info: ") for line in lines)


def test_lint_exits_1_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("# Just a title\n\nNo policy here.\n")
    result = runner.invoke(runbook_app, ["lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: error: no severity section" in result.stdout


def test_lint_exits_2_when_missing(tmp_path: Path) -> None:
    result = runner.invoke(runbook_app, ["lint", str(tmp_path / "nope.md")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_lint_clean_file_prints_nothing_and_exits_0() -> None:
    result = runner.invoke(runbook_app, ["lint", str(FIXTURES / "critical_high_medium_low.md")])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_show_renders_tables() -> None:
    result = runner.invoke(runbook_app, ["show", str(FIXTURES / "seed.md")], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    out = result.stdout
    for title in (
        "Severities",
        "Phases",
        "Roles",
        "Update cadence",
        "Escalation (runbook)",
        "Incident types",
        "Actions",
    ):
        assert title in out
    assert "next business day" in out
    assert "VP Engineering" in out
    assert "scale_up_resources" in out
    # Runbook text with brackets is shown literally, not read as Rich markup.
    assert "[ ] Check recent deployments (last 24 hours)" in out


def test_show_json_is_the_model() -> None:
    result = runner.invoke(runbook_app, ["show", "--json", str(FIXTURES / "seed.md")])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["severities"]] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert len(data["phases"]) == 7
    assert data["escalation"]["steps"][2]["target_key"] == "vp_engineering"


def test_show_missing_file_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(runbook_app, ["show", str(tmp_path / "x.md")]).exit_code == 2
