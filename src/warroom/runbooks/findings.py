"""What the parser could not understand, with the line to look at."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Level = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One lint result. `line` is 1-based; whole-file findings use line 1."""

    model_config = ConfigDict(frozen=True)

    line: int
    level: Level
    code: str
    message: str

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}: {self.level}: {self.message}"


class RunbookError(ValueError):
    """A runbook that cannot be used as policy; `findings` says why."""

    def __init__(self, source: str, findings: list[Finding]) -> None:
        self.source = source
        self.findings = findings
        errors = [f for f in findings if f.level == "error"]
        detail = "; ".join(f"line {f.line}: {f.message}" for f in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{source}: runbook has {len(errors)} error(s): {detail}{more}")


class FindingLog:
    """Collects findings while parsing; sections report into it, nothing raises."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, line: int, level: Level, code: str, message: str) -> None:
        self.findings.append(Finding(line=max(line, 1), level=level, code=code, message=message))

    def error(self, line: int, code: str, message: str) -> None:
        self.add(line, "error", code, message)

    def warning(self, line: int, code: str, message: str) -> None:
        self.add(line, "warning", code, message)

    def info(self, line: int, code: str, message: str) -> None:
        self.add(line, "info", code, message)

    def sorted(self) -> list[Finding]:
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(self.findings, key=lambda f: (f.line, order[f.level]))
