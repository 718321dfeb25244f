"""Which runbook governs an incident, and loading runbooks as policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from warroom.runbooks.findings import Finding, RunbookError
from warroom.runbooks.model import Runbook
from warroom.runbooks.parser import ParseResult, parse_runbook

DEFAULT_RUNBOOK_PATH = Path(__file__).with_name("default.md")

__all__ = [
    "DEFAULT_RUNBOOK_PATH",
    "RunbookError",
    "default_runbook",
    "load_runbook",
    "parse_runbook_file",
]


def parse_runbook_file(path: str | Path) -> ParseResult:
    """Parse a file, keeping warnings; raises RunbookError only if it cannot be read."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        finding = Finding(line=1, level="error", code="unreadable", message=str(exc))
        raise RunbookError(str(path), [finding]) from exc
    return parse_runbook(raw)


def load_runbook(path: str | Path) -> Runbook:
    """The runbook at `path` as policy; RunbookError (with findings) if it has errors."""
    result = parse_runbook_file(path)
    if result.errors:
        raise RunbookError(str(path), result.findings)
    return result.runbook


@cache
def default_runbook() -> Runbook:
    """The shipped default policy (`default.md`, written from the customer's runbook)."""
    return load_runbook(DEFAULT_RUNBOOK_PATH)
