"""Settings from the environment, and the YAML configuration file (config as code).

The YAML file describes the organisation: business hours, teams, people and services.
Errors are reported as `FILE:LINE: key: message`, so a typo is found without guessing.
Secrets never live in the file; they come from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any

import holidays
import platformdirs
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from warroom.alerts import stale
from warroom.alerts.formats.routing import RoutingRule
from warroom.alerts.schemas import AlertSettings, HealthCheckConfig, IntegrationConfig, seconds
from warroom.errors import InvalidInputError, NotFoundError
from warroom.notify.contacts import ContactMethod
from warroom.notify.rules import ThrottleLimits
from warroom.paging.config import PagingSettings
from warroom.paging.escalation.rules import PolicyConfig, Target
from warroom.paging.oncall.model import Schedule
from warroom.runbooks.findings import RunbookError
from warroom.runbooks.model import Runbook, UnknownSeverityError
from warroom.runbooks.service import default_runbook, load_runbook
from warroom.workdays import BusinessCalendar
from warroom.zones import TimeZoneName


def default_database_url() -> str:
    return f"sqlite:///{Path(platformdirs.user_data_dir('warroom')) / 'warroom.db'}"


class Settings(BaseSettings):
    """Process settings, from `WARROOM_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    config: Path | None = None
    log_level: str = "info"


# --- the YAML file -----------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHours(_Strict):
    timezone: TimeZoneName = "UTC"
    days: list[str] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: str | None = Field(default=None, description="Country code, e.g. US or DE-BY")

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.lower()[:3] for d in value]
        unknown = [d for d, v in zip(days, value, strict=True) if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(WEEKDAYS)}")
        if not days:
            raise ValueError("at least one working day is needed")
        return days

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        if value is None:
            return None
        country, _, subdivision = value.partition("-")
        try:
            holidays.country_holidays(country, subdiv=subdivision or None)
        except NotImplementedError as exc:
            raise ValueError(f"no public-holiday calendar for {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _hours(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError("end must be after start (business hours within one day)")
        return self

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.days)


class Person(_Strict):
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


class Team(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    members: list[str] = Field(default_factory=list)


class ServiceEntry(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    team: str | None = None
    tier: int = Field(default=2, ge=0, le=4)
    description: str = ""
    escalation_policy: str | None = Field(
        default=None, description="A policy from escalation_policies; default: the runbook's"
    )
    schedule: str | None = Field(default=None, description="Who its on-call engineer is")
    runbook: str | None = Field(default=None, description="Markdown runbook path")


class Notifications(_Strict):
    throttle: ThrottleLimits = Field(default_factory=ThrottleLimits)


class Config(_Strict):
    """The organisation as code: one YAML file."""

    timezone: TimeZoneName = "UTC"
    runbook: str | None = Field(
        default=None, description="Default Markdown runbook (path relative to this file)"
    )
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    teams: list[Team] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    services: list[ServiceEntry] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    escalation_policies: list[PolicyConfig] = Field(default_factory=list)
    positions: dict[str, str] = Field(
        default_factory=dict,
        description="Runbook names (engineering_lead, vp_engineering) -> person:/schedule:/team:",
    )
    notifications: Notifications = Field(default_factory=Notifications)
    paging: PagingSettings = Field(default_factory=PagingSettings)
    integrations: list[IntegrationConfig] = Field(default_factory=list)
    alert_routing: list[RoutingRule] = Field(default_factory=list)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    health_checks: list[HealthCheckConfig] = Field(default_factory=list)

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

    def service(self, name: str) -> ServiceEntry | None:
        return next((s for s in self.services if s.name == name), None)

    def escalation_policy(self, name: str) -> PolicyConfig | None:
        return next((p for p in self.escalation_policies if p.name == name), None)

    # --- checks the services share: a name the configuration does not know -------------
    # With nothing configured of a kind, any name is accepted (config is optional).

    def check_services(self, names: list[str], field: str = "services") -> list[str]:
        """The names, deduplicated, or InvalidInputError listing the known services."""
        unique = list(dict.fromkeys(names))
        known = self.service_names()
        unknown = [n for n in unique if known and n not in known]
        if unknown:
            raise InvalidInputError(
                f"unknown service(s) {', '.join(unknown)}; known: {', '.join(known)}",
                field=field,
            )
        return unique

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

    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def person_ids(self) -> list[str]:
        return [p.id for p in self.people]

    _runbooks: dict[str, Runbook] = PrivateAttr(default_factory=dict)

    def runbook_for(self, services: list[str]) -> Runbook:
        """The first of the services' own runbooks, else the configured default, else the
        shipped default (written from the customer's runbook)."""
        for name in services:
            service = self.service(name)
            if service and service.runbook and service.runbook in self._runbooks:
                return self._runbooks[service.runbook]
        if self.runbook and self.runbook in self._runbooks:
            return self._runbooks[self.runbook]
        return default_runbook()

    def load_runbooks(self, base: Path) -> list[tuple[Path_, str]]:
        """Parse every runbook the file names; returns problems (path in file, message)."""
        problems: list[tuple[Path_, str]] = []
        wanted: list[tuple[Path_, str]] = [(("runbook",), self.runbook)] if self.runbook else []
        wanted += [
            (("services", i, "runbook"), s.runbook)
            for i, s in enumerate(self.services)
            if s.runbook
        ]
        for where, name in wanted:
            if name in self._runbooks:
                continue
            try:
                self._runbooks[name] = load_runbook(base / name)
            except RunbookError as exc:
                errors = [f for f in exc.findings if f.level == "error"] or exc.findings
                first = errors[0]
                problems.append(
                    (
                        where,
                        f"runbook {name}: line {first.line}: {first.message}"
                        + (
                            f" (and {len(errors) - 1} more; run `warroom runbook lint`)"
                            if len(errors) > 1
                            else ""
                        ),
                    )
                )
        return problems

    @cached_property
    def business_calendar(self) -> BusinessCalendar:
        hours = self.business_hours
        return BusinessCalendar(
            timezone=hours.timezone,
            weekdays=hours.weekday_numbers(),
            start=hours.start,
            end=hours.end,
            holiday_country=hours.holidays,
        )


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


Path_ = tuple[str | int, ...]


def _to_python(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
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


def _line_of(path: Path_, lines: dict[Path_, int]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _cross_references(config: Config) -> list[tuple[Path_, str]]:
    problems: list[tuple[Path_, str]] = []
    for kind, names in (
        ("people", [p.id for p in config.people]),
        ("teams", [t.name for t in config.teams]),
        ("services", [s.name for s in config.services]),
        ("schedules", [s.name for s in config.schedules]),
        ("escalation_policies", [p.name for p in config.escalation_policies]),
        ("integrations", [i.name for i in config.integrations]),
        ("health_checks", [h.name for h in config.health_checks]),
    ):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                problems.append(((kind, i), f"duplicate name {name!r}"))
            seen.add(name)
    people = set(config.person_ids())
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

    def check_target(path: Path_, text: str) -> None:
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
    return problems


def _unknown_severities(config: Config) -> list[tuple[Path_, str]]:
    """`paging.urgency` keys the default runbook (once loaded) does not read."""
    runbook = config.runbook_for([])
    problems: list[tuple[Path_, str]] = []
    for name in config.paging.urgency:
        try:
            runbook.severity(name)
        except UnknownSeverityError:
            known = ", ".join(lv.name for lv in runbook.severities)
            problems.append((("paging", "urgency", name), f"unknown severity (known: {known})"))
    return problems


def _missing_secrets(config: Config) -> list[tuple[Path_, str]]:
    return [
        (
            ("integrations", i, "key_env"),
            f"environment variable {integration.key_env} is not set (the server needs it set)",
        )
        for i, integration in enumerate(config.integrations)
        if integration.key() is None
    ]


def _stale_timeouts(config: Config) -> list[tuple[Path_, str]]:
    found: list[tuple[Path_, str]] = []
    for i, integration in enumerate(config.integrations):
        warning = stale.warning(integration.kind, seconds(integration.resolve_timeout))
        if warning:
            found.append((("integrations", i, "resolve_timeout"), warning))
    return found


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
    lines: dict[Path_, int] = {}
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
    refs = _cross_references(config)
    refs += config.load_runbooks(base or Path(filename).parent)
    refs += _unknown_severities(config)
    secrets = _missing_secrets(config)
    if warnings is None:
        refs += secrets
    else:
        found = secrets + _stale_timeouts(config)
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
