"""The paging domain's part of the configuration file: `people:`, `teams:`,
`schedules:`, `escalation_policies:`, `positions:`, `notifications:` and `paging:`, and
the checks that every name paging resolves exists (in those keys, and in each service's
team, schedule and escalation policy).

The `paging:` key:

```yaml
paging:
  fallback: [team:sre]     # who a SEV-1/SEV-2 pages when its first step finds nobody;
                           # default: the incident's service's team, else the admins
  urgency:                 # high: pages at any hour; low: waits for business hours
    SEV-3: low             # default: low where the runbook's response time is in business
                           # days (its SEV-4, "Next business day"), else high
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.errors import InvalidInputError, NotFoundError
from warroom.notify.contacts import ContactMethod
from warroom.notify.rules import ThrottleLimits
from warroom.paging.escalation.rules import PolicyConfig, Target, Urgency
from warroom.paging.oncall.model import Schedule
from warroom.runbooks.model import Runbook, UnknownSeverityError
from warroom.sections import NAME_PATTERN, ConfigPath, Found, Strict, duplicates


class PagingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fallback: list[str] | None = Field(
        default=None,
        description="Targets paged when a SEV-1/SEV-2's first escalation step finds nobody; "
        "default: the service's team, else the people flagged admin",
    )

    urgency: dict[str, Urgency] = Field(
        default_factory=dict,
        description="Per severity: high pages at any hour, low waits for business hours "
        "(business_hours); default: low where the runbook's response time is in business days",
    )

    @field_validator("fallback", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("fallback")
    @classmethod
    def _fallback(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("name at least one target, or leave fallback out for the default")
        for target in value:
            if Target.parse(target).kind in ("role", "position"):
                raise ValueError(f"{target}: a fallback is a person, schedule or team")
        return value


class Person(Strict):
    id: str = Field(pattern=NAME_PATTERN, description="Handle used everywhere, e.g. alice")
    name: str = ""
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    chat: str | None = Field(default=None, description="Chat handle, e.g. @alice")
    contacts: list[ContactMethod] = Field(
        default_factory=list, description="How to page; default: the email address"
    )
    admin: bool = Field(default=False, description="Paged when nobody else is (paging.fallback)")

    def contact_methods(self) -> list[ContactMethod]:
        if self.contacts:
            return list(self.contacts)
        return [ContactMethod(type="email", address=self.email)] if self.email else []


class Team(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    members: list[str] = Field(default_factory=list)


class Notifications(Strict):
    throttle: ThrottleLimits = Field(default_factory=ThrottleLimits)


class PagingConfig(Strict):
    teams: list[Team] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    escalation_policies: list[PolicyConfig] = Field(default_factory=list)
    positions: dict[str, str] = Field(
        default_factory=dict,
        description="Runbook names (engineering_lead, vp_engineering) -> person:/schedule:/team:",
    )
    notifications: Notifications = Field(default_factory=Notifications)
    paging: PagingSettings = Field(default_factory=PagingSettings)

    @field_validator("positions")
    @classmethod
    def _positions(cls, value: dict[str, str]) -> dict[str, str]:
        for target in value.values():
            parsed = Target.parse(target)
            if parsed.kind == "position":
                raise ValueError(f"{target}: a position must map to a person, schedule or team")
        return value

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def team(self, name: str) -> Team | None:
        return next((t for t in self.teams if t.name == name), None)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)

    def escalation_policy(self, name: str) -> PolicyConfig | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    def person_ids(self) -> list[str]:
        return [p.id for p in self.people]

    # With no people configured, any handle is accepted (config is optional).
    def check_person(self, person: str, field: str = "person") -> str:
        known = self.person_ids()
        if known and person not in known:
            raise InvalidInputError(
                f"unknown person {person!r}; known: {', '.join(known)}", field=field
            )
        return person

    def check_schedule(self, name: str) -> Schedule:
        schedule = self.schedule(name)
        if schedule is None:
            known = ", ".join(s.name for s in self.schedules) or "none configured"
            raise NotFoundError(f"no schedule {name!r} (known: {known})", field="schedule")
        return schedule


class _Service(Protocol):
    @property
    def team(self) -> str | None: ...
    @property
    def schedule(self) -> str | None: ...
    @property
    def escalation_policy(self) -> str | None: ...


class PagedConfig(Protocol):
    """What paging's checks read: its own keys, the services (incidents') that name
    paging's teams, schedules and policies, and the runbook whose severities
    `paging.urgency` names."""

    @property
    def people(self) -> Sequence[Person]: ...
    @property
    def teams(self) -> Sequence[Team]: ...
    @property
    def schedules(self) -> Sequence[Schedule]: ...
    @property
    def escalation_policies(self) -> Sequence[PolicyConfig]: ...
    @property
    def positions(self) -> dict[str, str]: ...
    @property
    def paging(self) -> PagingSettings: ...
    @property
    def services(self) -> Sequence[_Service]: ...
    def runbook_for(self, services: list[str]) -> Runbook: ...


def checks(config: PagedConfig) -> Found:
    problems: Found = []
    problems += duplicates("people", [p.id for p in config.people])
    problems += duplicates("teams", [t.name for t in config.teams])
    problems += duplicates("schedules", [s.name for s in config.schedules])
    problems += duplicates("escalation_policies", [p.name for p in config.escalation_policies])
    people = {p.id for p in config.people}
    teams = {t.name for t in config.teams}
    for i, team in enumerate(config.teams):
        for j, member in enumerate(team.members):
            if people and member not in people:
                problems.append((("teams", i, "members", j), f"unknown person {member!r}"))
    schedules = {s.name for s in config.schedules}
    policies = {p.name for p in config.escalation_policies}
    for i, service in enumerate(config.services):
        if service.team is not None and service.team not in teams:
            known = ", ".join(sorted(teams)) or "none defined"
            problems.append(
                (("services", i, "team"), f"unknown team {service.team!r} (known: {known})")
            )
        if service.schedule is not None and service.schedule not in schedules:
            problems.append((("services", i, "schedule"), f"unknown schedule {service.schedule!r}"))
        if service.escalation_policy is not None and service.escalation_policy not in policies:
            problems.append(
                (
                    ("services", i, "escalation_policy"),
                    f"unknown escalation policy {service.escalation_policy!r}",
                )
            )
    names_by_kind = {"person": people, "schedule": schedules, "team": teams}

    def check_target(path: ConfigPath, text: str) -> None:
        target = Target.parse(text)
        names = names_by_kind.get(target.kind)
        if names is not None and (names or target.kind != "person") and target.name not in names:
            problems.append((path, f"unknown {target.kind} {target.name!r}"))

    for i, policy in enumerate(config.escalation_policies):
        for j, step in enumerate(policy.steps):
            for k, target in enumerate(step.targets):
                check_target(("escalation_policies", i, "steps", j, "targets", k), target)
    for name, target in config.positions.items():
        check_target(("positions", name), target)
    for i, target in enumerate(config.paging.fallback or []):
        check_target(("paging", "fallback", i), target)
    for i, schedule in enumerate(config.schedules):
        for j, layer in enumerate(schedule.layers):
            for k, person in enumerate(layer.participants):
                if people and person not in people:
                    problems.append(
                        (
                            ("schedules", i, "layers", j, "participants", k),
                            f"unknown person {person!r}",
                        )
                    )
        for j, override in enumerate(schedule.overrides):
            if people and override.person not in people:
                problems.append(
                    (
                        ("schedules", i, "overrides", j, "person"),
                        f"unknown person {override.person!r}",
                    )
                )
    return problems + _unknown_severities(config)


def _unknown_severities(config: PagedConfig) -> Found:
    """`paging.urgency` keys the default runbook (once loaded) does not read."""
    runbook = config.runbook_for([])
    problems: Found = []
    for name in config.paging.urgency:
        try:
            runbook.severity(name)
        except UnknownSeverityError:
            known = ", ".join(lv.name for lv in runbook.severities)
            problems.append((("paging", "urgency", name), f"unknown severity (known: {known})"))
    return problems
