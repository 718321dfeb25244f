"""The typed runbook model: what warroom understood from a Markdown runbook.

Pure data and pure lookups; no I/O. The parser builds it, the services read it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


def slug(text: str) -> str:
    """`On-call engineer` -> `on_call_engineer`: the key a label is stored under."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class UnknownSeverityError(ValueError):
    """A severity the runbook does not define; carries the accepted spellings."""

    def __init__(self, given: str, accepted: list[str]) -> None:
        self.given = given
        self.accepted = accepted
        super().__init__(f"unknown severity {given!r}; accepted: {', '.join(accepted)}")


class SeverityLevel(BaseModel):
    """One row of the severity table."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Canonical name, e.g. SEV-1")
    rank: int = Field(description="1 is the most severe")
    description: str = ""
    aliases: list[str] = Field(default_factory=list, description="e.g. critical, high")
    response_time: timedelta | None = Field(
        default=None, description="Time to respond; None when next_business_day is set"
    )
    next_business_day: bool = False
    example: str = ""

    def spellings(self) -> list[str]:
        return [self.name, str(self.rank), *self.aliases]


class RoleRequirement(BaseModel):
    """A role the runbook asks for, optionally only at some severities."""

    model_config = ConfigDict(frozen=True)

    role: str = Field(description="Key, e.g. product_manager")
    label: str = Field(description="As written, e.g. Product manager")
    severities: list[str] | None = Field(
        default=None, description="Severity names it applies to; None means every severity"
    )

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


class Runbook(BaseModel):
    """The policy extracted from a runbook. The parser may fill more sections."""

    title: str = "Incident Response Runbook"
    severities: list[SeverityLevel]
    roles: list[RoleRequirement] = Field(default_factory=list)

    def severity(self, text: str) -> SeverityLevel:
        """Resolve user input (`sev-1`, `SEV1`, `1`, `critical`) to a severity level."""
        wanted = _compact(text)
        if wanted:
            for level in self.severities:
                if any(_compact(s) == wanted for s in level.spellings()):
                    return level
        raise UnknownSeverityError(text, self.accepted_severities())

    def accepted_severities(self) -> list[str]:
        return [s for level in self.severities for s in level.spellings()]

    def required_roles(self, severity: str) -> list[str]:
        """Role keys the runbook requires for an incident of this severity, in order."""
        return [r.role for r in self.roles if r.applies_to(severity)]
