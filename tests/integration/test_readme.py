"""The README claims only what exists: its example config validates as written, and every
command and route it shows is there."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from warroom.cli import app
from warroom.config import ConfigError, ConfigProblem, parse_config

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _example_config() -> str:
    section = README[README.index("### Configuration") :]
    found = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert found, "the README's configuration example"
    return found.group(1)


def _code() -> list[str]:
    """Every line of a code block and every inline code span of the README."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", README, re.S)
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    return [line for block in fenced for line in block.splitlines()] + re.findall(
        r"`([^`\n]+)`", prose
    )


def test_the_example_config_validates_and_a_missing_key_is_only_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARROOM_PROMETHEUS_KEY", raising=False)
    config = tmp_path / "warroom.yaml"
    config.write_text(_example_config(), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(config)])
    assert result.exit_code == 0, result.stderr
    assert "ok (1 services" in result.stdout
    assert "warning:" in result.stderr
    assert "integrations[0].key_env: environment variable WARROOM_PROMETHEUS_KEY" in (result.stderr)

    # Serving needs the key: the same file is an error there (serve loads strictly).
    with pytest.raises(ConfigError) as refused:
        parse_config(_example_config(), str(config))
    assert [p.key for p in refused.value.problems] == ["integrations[0].key_env"]
    monkeypatch.setenv("WARROOM_PROMETHEUS_KEY", "s3cret")
    warnings: list[ConfigProblem] = []
    assert parse_config(_example_config(), str(config), warnings=warnings).integrations
    assert warnings == []


def test_every_command_the_readme_shows_exists() -> None:
    root = get_command(app)
    commands = root.commands  # type: ignore[attr-defined]
    word = r"[a-z][a-z-]*(?:\|[a-z][a-z-]*)*"
    shown = [
        m.groups()
        for snippet in _code()
        for m in re.finditer(rf"(?:^|\s)warroom ({word})(?: ({word}))?", snippet)
    ]
    assert len(shown) > 15
    for command, sub in shown:
        for name in command.split("|"):
            found = commands.get(name)
            assert found is not None, f"README shows `warroom {name}`, which does not exist"
            subcommands = getattr(found, "commands", None)  # a group of commands
            if subcommands is not None:
                assert sub, f"README shows `warroom {name}` without a subcommand"
                for part in sub.split("|"):
                    assert part in subcommands, f"README shows `warroom {name} {part}`"


def test_every_route_the_readme_shows_exists(http: httpx.Client) -> None:
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    spec = http.get("/openapi.json").json()["paths"]
    served = {(m.upper(), shape(p)) for p, methods in spec.items() for m in methods}
    shown = {
        (m.group(1), shape(m.group(2)))
        for snippet in _code()
        for m in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s`?]*)", snippet)
    }
    assert len(shown) > 10
    assert shown - served == set()
