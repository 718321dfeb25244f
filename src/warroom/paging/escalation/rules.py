"""Escalation policies and step planning. Pure.

A policy is ordered steps, "after N minutes from declaration page (or notify) TARGETS if
the severity is one of …", repeated K times. The default policy is the runbook's
escalation matrix, whose word for each row decides: "paged" wakes someone and stops at
the acknowledgement; "notified" tells someone and keeps its time while the incident is
open.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warroom.runbooks.durations import parse_duration
from warroom.runbooks.model import EscalationPolicy as RunbookEscalation

TargetKind = Literal["person", "schedule", "team", "role", "position"]
StepAction = Literal["page", "notify"]
# As PagerDuty calls it: high pages at any hour, low waits for business hours.
Urgency = Literal["high", "low"]
TARGET_KINDS: tuple[TargetKind, ...] = ("person", "schedule", "team", "role", "position")
_TARGET = re.compile(r"^(person|schedule|team|role|position):([A-Za-z0-9._-]+)$")


@dataclass(frozen=True)
class Target:
    """Who a step pages. A `position` is a runbook name (engineering_lead, vp_engineering)
    that the configuration maps to a person, schedule or team; a `role` is whoever holds
    that role on the incident."""

    kind: TargetKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> Target:
        match = _TARGET.match(text.strip())
        if not match:
            raise ValueError(
                f"target {text!r} must be KIND:NAME with KIND one of {', '.join(TARGET_KINDS)}"
            )
        kind = next(k for k in TARGET_KINDS if k == match.group(1))
        return cls(kind, match.group(2))


@dataclass(frozen=True)
class Step:
    index: int
    after: timedelta
    targets: tuple[Target, ...]
    severities: tuple[str, ...] | None = None
    label: str = ""
    action: StepAction = "page"

    def applies_to(self, severity: str) -> bool:
        return self.severities is None or severity in self.severities


@dataclass(frozen=True)
class Policy:
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0
    repeat_every: timedelta | None = None


@dataclass(frozen=True)
class PlannedStep:
    """One step of one round, with its due time and its idempotency suffix."""

    step: Step
    round: int
    due_at: datetime

    @property
    def key(self) -> str:
        return f"r{self.round}s{self.step.index}"


def plan(
    policy: Policy,
    severity: str,
    declared_at: datetime,
    *,
    acknowledged: bool = False,
    defer: Callable[[datetime], datetime] | None = None,
) -> list[PlannedStep]:
    """Every step of every round that applies to the severity, in due order; once the
    incident is acknowledged, the notification steps alone (paging has stopped).

    `defer` (low urgency: when business hours are next open) starts the clock when it
    says and moves each step that would fall outside it to its next opening."""
    start = defer(declared_at) if defer else declared_at
    planned = []
    for round_ in range(policy.repeat + 1):
        offset = (policy.repeat_every or timedelta(0)) * round_
        for step in policy.steps:
            if step.applies_to(severity) and not (acknowledged and step.action == "page"):
                due = start + offset + step.after
                planned.append(PlannedStep(step, round_, defer(due) if defer else due))
    return sorted(planned, key=lambda p: (p.due_at, p.round, p.step.index))


def urgency(severity: str, in_business_days: bool, configured: Mapping[str, Urgency]) -> Urgency:
    """The configured urgency of a severity, else low when the runbook gives its response
    time in business days ("Next business day"), else high."""
    if severity in configured:
        return configured[severity]
    return "low" if in_business_days else "high"


def next_after(planned: list[PlannedStep], current_key: str) -> PlannedStep | None:
    keys = [p.key for p in planned]
    if current_key not in keys:
        return None
    index = keys.index(current_key)
    return planned[index + 1] if index + 1 < len(planned) else None


def from_runbook(matrix: RunbookEscalation, name: str = "runbook") -> Policy:
    return Policy(
        name=name,
        steps=tuple(
            Step(
                index=i,
                after=row.after,
                targets=(Target("position", row.target_key),),
                severities=tuple(row.severities) if row.severities else None,
                label=row.action,
                action=row.verb,
            )
            for i, row in enumerate(matrix.steps)
        ),
    )


# --- configuration shape -------------------------------------------------------------


class StepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: str = Field(description="e.g. 0m, 15 min, 1h")
    targets: list[str] = Field(min_length=1, description="person:alice, schedule:primary, ...")
    severities: list[str] | None = None
    action: StepAction = Field(
        default="page",
        description="page: wakes someone, stops at the acknowledgement; notify: tells "
        "someone, keeps its time until the incident is resolved",
    )

    @field_validator("after")
    @classmethod
    def _after(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for target in value:
            Target.parse(target)
        return value


class PolicyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    steps: list[StepConfig] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10)
    repeat_every: str | None = None

    @model_validator(mode="after")
    def _repeat(self) -> PolicyConfig:
        if self.repeat and not self.repeat_every:
            raise ValueError("repeat needs repeat_every (how long one round lasts)")
        if self.repeat_every:
            parse_duration(self.repeat_every)
        return self

    def policy(self) -> Policy:
        return Policy(
            name=self.name,
            steps=tuple(
                Step(
                    index=i,
                    after=parse_duration(s.after),
                    targets=tuple(Target.parse(t) for t in s.targets),
                    severities=tuple(s.severities) if s.severities else None,
                    label=", ".join(s.targets),
                    action=s.action,
                )
                for i, s in enumerate(self.steps)
            ),
            repeat=self.repeat,
            repeat_every=parse_duration(self.repeat_every) if self.repeat_every else None,
        )
