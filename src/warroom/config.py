"""The YAML configuration file (config as code): loading it, with line-precise errors.

The file describes the organisation: business hours, teams, people, services, paging,
alert intake. Each domain owns its section (its keys and their checks, listed in
`warroom.domain_config`); this module reads the file and reports every problem as
`FILE:LINE: key: message`, so a typo is found without guessing. Secrets never live in
the file; they come from the environment (`warroom.settings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warroom.domain_config import SECTIONS, Config
from warroom.sections import ConfigPath, Found
from warroom.settings import Settings, default_database_url

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "Settings",
    "default_database_url",
    "load_config",
    "parse_config",
]


# --- loading with line numbers ------------------------------------------------------


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _to_python(node: yaml.Node, path: ConfigPath, lines: dict[ConfigPath, int]) -> Any:
    """Turn a composed YAML node into plain data, remembering each path's line (1-based)."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _line_of(path: ConfigPath, lines: dict[ConfigPath, int]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _dotted(path: ConfigPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_config(
    text: str,
    filename: str = "<config>",
    base: Path | None = None,
    *,
    warnings: list[ConfigProblem] | None = None,
) -> Config:
    """Validate YAML text into a Config; raise ConfigError listing every problem with its line.

    A secret missing from this environment (an integration's key variable) is an error,
    as the server needs it; given a `warnings` list, it goes there instead (checking a
    file away from the server)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(filename, line, "(yaml)", str(problem))]) from exc
    lines: dict[ConfigPath, int] = {}
    data = {} if node is None else _to_python(node, (), lines)
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(filename, 1, "(top level)", "expected a mapping")])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            problems.append(ConfigProblem(filename, _line_of(loc, lines), _dotted(loc), message))
        raise ConfigError(problems) from exc
    refs: Found = []
    for section in SECTIONS:
        refs += section.load(config, base or Path(filename).parent)
    loaded, refs = refs, []
    for section in SECTIONS:
        refs += section.checks(config)
    refs += loaded
    secrets = [found for section in SECTIONS for found in section.environment(config)]
    if warnings is None:
        refs += secrets
    else:
        found = secrets + [found for section in SECTIONS for found in section.advice(config)]
        warnings += [ConfigProblem(filename, _line_of(p, lines), _dotted(p), m) for p, m in found]
    if refs:
        raise ConfigError(
            [ConfigProblem(filename, _line_of(p, lines), _dotted(p), m) for p, m in refs]
        )
    return config


def load_config(path: Path | None, *, warnings: list[ConfigProblem] | None = None) -> Config:
    """The config at `path`, or an empty one (any service name accepted) when there is none;
    `warnings` as for `parse_config`."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), 1, "(file)", f"cannot read: {exc}")]) from exc
    return parse_config(text, str(path), warnings=warnings)
