"""Alert routing rules: which service an alert belongs to and whether it opens an incident.

```yaml
alert_routing:
  - name: payments-critical            # optional, shown in explanations
    match:                             # every given condition must hold
      source: alertmanager             # one source or a list
      severity: [critical, error]      # normalized alert severities
      labels:
        team: payments                 # exact value
        instance: "=~db-[0-9]+"        # regular expression on the whole value
    service: payments-db               # default: the integration's, else the alert's own
    severity: SEV-1                    # SEV-1..SEV-4, or "none": record the alert only
    open_incident: true                # default true
    group_by: [alertname, cluster]     # alerts equal in these labels share an incident
    when_more_severe: raise            # an alert worse than its group's open incident
                                       # raises the incident's severity (default), or
                                       # with own_incident opens an incident of its own
    auto_resolve: true                 # once all its alerts resolved (monitoring), the
                                       # incident resolves itself after the runbook's
                                       # monitoring window; default: only if nobody
                                       # acknowledged it; false: a person resolves it
    repage: false                      # page again when an alert joins an open incident
```

The service is the rule's, else the integration's, else the one the alert names (a
PagerDuty `payload.component`, a `service` label) when that is a configured service;
a name the configuration does not know is kept as a label and pages nobody by itself.

An alert joins only an open incident of its own group: with `group_by`, the incident
opened by alerts of that rule equal in those labels; without, the incidents of its service
opened by alerts grouped by service, or declared by a person.

Rules are tried in order and the first match wins. With no match the alert's own
severity decides: critical → SEV-1, error → SEV-2, warning → SEV-3, info → alert only.
Label regexes are anchored (must match the whole value) like Prometheus matchers, and
a label the alert does not have counts as "", so `=~".*"` matches its absence.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from warroom import limits
from warroom.alerts.formats.model import (
    AlertEvent,
    FormatError,
    Severity,
    Source,
    errors_from,
)
from warroom.alerts.formats.normalise import bounded_key

IncidentSeverity = Literal["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
REGEX_PREFIX = "=~"

DEFAULT_SEVERITY: dict[Severity, IncidentSeverity | None] = {
    "critical": "SEV-1",
    "error": "SEV-2",
    "warning": "SEV-3",
    "info": None,
}


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _label_matcher(value: str) -> str:
    if value.startswith(REGEX_PREFIX):
        try:
            re.compile(value.removeprefix(REGEX_PREFIX))
        except re.error as exc:
            raise PydanticCustomError(
                "regex", "is not a valid regular expression: {reason}", {"reason": str(exc)}
            ) from None
    return value


class Match(BaseModel):
    """What an alert must look like for the rule to apply; omitted means "any"."""

    model_config = ConfigDict(strict=True, extra="forbid")

    source: Annotated[list[Source] | None, BeforeValidator(_one_or_many)] = None
    severity: Annotated[list[Severity] | None, BeforeValidator(_one_or_many)] = None
    labels: dict[str, Annotated[str, AfterValidator(_label_matcher)]] = {}


class RoutingRule(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    match: Match = Match()
    service: str | None = None
    # None: the alert's own severity decides (DEFAULT_SEVERITY); "none": alert only.
    severity: Literal["SEV-1", "SEV-2", "SEV-3", "SEV-4", "none"] | None = None
    open_incident: bool = True
    group_by: list[str] = []
    when_more_severe: Literal["raise", "own_incident"] = "raise"
    auto_resolve: bool | None = None
    repage: bool = False


_RULES = TypeAdapter(list[RoutingRule])


def parse_rules(raw: Any, prefix: str = "alert_routing") -> list[RoutingRule]:
    """Validate routing rules from configuration; errors name `alert_routing[i].field`."""
    try:
        return _RULES.validate_python(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc, prefix)) from None


@dataclass(frozen=True)
class RouteDecision:
    """What to do with an alert, and why (`rule_index` is None when no rule matched)."""

    rule_index: int | None
    rule_name: str | None
    service: str | None
    incident_severity: IncidentSeverity | None  # None: record the alert, open nothing
    open_incident: bool
    group_by: list[str] = field(default_factory=list)
    group_key: str = ""
    auto_resolve: bool | None = None  # None: when nobody acknowledged the incident
    repage: bool = False
    reason: str = ""
    unknown_service: str | None = None  # the alert's own service, not a configured one
    when_more_severe: Literal["raise", "own_incident"] = "raise"

    def labels_for(self, event: AlertEvent) -> dict[str, str]:
        """The alert's labels, keeping a service name that did not select a service."""
        name = self.unknown_service
        if name is None or "service" in event.labels or name in event.labels.values():
            return event.labels
        return {**event.labels, "service": name}

    @property
    def incident_group(self) -> str:
        """Which open incident the alert may join: its labels' group under `group_by`,
        else its service's, else (no service) its own."""
        if self.group_by:
            return self.group_key
        if self.service:
            return f"service:{self.service}"
        return self.group_key


def _label_matches(pattern: str, value: str) -> bool:
    if pattern.startswith(REGEX_PREFIX):
        return re.fullmatch(pattern.removeprefix(REGEX_PREFIX), value) is not None
    return pattern == value


def matches(rule: RoutingRule, event: AlertEvent) -> bool:
    """Whether every condition of the rule's `match` holds for the event."""
    cond = rule.match
    if cond.source is not None and event.source not in cond.source:
        return False
    if cond.severity is not None and event.severity not in cond.severity:
        return False
    return all(
        _label_matches(pattern, event.labels.get(name, "")) for name, pattern in cond.labels.items()
    )


def _group_key(event: AlertEvent, service: str | None, group_by: list[str]) -> str:
    # Without group_by every alert is its own group; with it, alerts of one service
    # equal in those labels share one incident.
    if not group_by:
        return f"{event.source}:{event.dedup_key}"
    values = ",".join(f"{name}={event.labels.get(name, '')!r}" for name in group_by)
    # Hashed past its column's length, as over-long dedup keys are: the same labels still
    # give the same group.
    return bounded_key(f"{service or '-'}:{values}", limits.GROUP_KEY)


def choose_service(
    named: str | None, integration: str | None, known: Collection[str]
) -> tuple[str | None, str | None]:
    """(service, unknown name): the integration's service, else the one the alert names
    when it is configured (any name when no service is configured at all)."""
    if named is not None and known and named not in known:
        return integration, named
    return integration or named, None


def route(
    event: AlertEvent,
    rules: list[RoutingRule],
    *,
    integration_service: str | None = None,
    known_services: Collection[str] = (),
) -> RouteDecision:
    """The decision for an event: the first matching rule, else the severity default.
    The service is the rule's, else `choose_service`'s."""
    own, unknown = choose_service(event.service, integration_service, known_services)
    for index, rule in enumerate(rules):
        if not matches(rule, event):
            continue
        if rule.severity == "none":
            severity: IncidentSeverity | None = None
        elif rule.severity is None:
            severity = DEFAULT_SEVERITY[event.severity]
        else:
            severity = rule.severity
        service = rule.service or own
        label = f"rule {index}" + (f" ({rule.name})" if rule.name else "")
        return RouteDecision(
            rule_index=index,
            rule_name=rule.name,
            service=service,
            incident_severity=severity,
            open_incident=rule.open_incident and severity is not None,
            group_by=list(rule.group_by),
            group_key=_group_key(event, service, rule.group_by),
            auto_resolve=rule.auto_resolve,
            repage=rule.repage,
            reason=f"{label} matched: {_describe(rule)}",
            unknown_service=unknown,
            when_more_severe=rule.when_more_severe,
        )
    severity = DEFAULT_SEVERITY[event.severity]
    outcome = severity or "alert only"
    return RouteDecision(
        rule_index=None,
        rule_name=None,
        service=own,
        incident_severity=severity,
        open_incident=severity is not None,
        group_key=_group_key(event, own, []),
        reason=f"no rule matched; {event.severity} alerts default to {outcome}",
        unknown_service=unknown,
    )


def _describe(rule: RoutingRule) -> str:
    cond = rule.match
    parts = []
    if cond.source is not None:
        parts.append("source in " + "|".join(cond.source))
    if cond.severity is not None:
        parts.append("severity in " + "|".join(cond.severity))
    for name, pattern in cond.labels.items():
        parts.append(
            f"{name}{pattern}" if pattern.startswith(REGEX_PREFIX) else f"{name}={pattern}"
        )
    return ", ".join(parts) or "matches every alert"
