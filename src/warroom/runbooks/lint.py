"""`warroom runbook lint`: what the parser could not understand, line by line."""

from __future__ import annotations

from warroom.runbooks.findings import Finding
from warroom.runbooks.parser import parse_runbook


def lint(source: str | bytes) -> list[Finding]:
    """Findings for runbook text or raw bytes, sorted by line; never raises on bad input."""
    return parse_runbook(source).findings


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level == "error" for f in findings)
