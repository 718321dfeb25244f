"""Config and API shapes for alert intake."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from warroom import limits
from warroom.limits import PositiveInt32, Storable, StorableInstant, StorableJson, StorableStr
from warroom.runbooks.durations import DurationError, parse_duration

# The names of `alerts.formats.registry.FORMATS`, for the type checker and the schema
# (tests/unit/alerts/test_registry.py keeps them the same).
IntegrationKind = Literal["alertmanager", "pagerduty", "datadog", "grafana", "generic"]


def _duration(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        span = parse_duration(value)
    except DurationError as exc:
        raise ValueError(f"{value!r}: {exc}") from None
    if span.total_seconds() > limits.INT32_MAX:
        # Stored in seconds in an INTEGER column (integrations.resolve_timeout_seconds).
        raise ValueError(f"{value!r}: longer than {limits.INT32_MAX} seconds")
    return value


def seconds(value: str | None) -> int | None:
    return int(parse_duration(value).total_seconds()) if value else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegrationConfig(_Strict):
    """An integration declared in the YAML file; its secret key comes from the environment."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    kind: IntegrationKind
    key_env: str = Field(description="Environment variable holding the integration key")
    service: str | None = None
    resolve_timeout: str | None = Field(
        default=None,
        description="Stale timeout: resolve alerts not re-sent for this long (longer than "
        "the sender's repeat interval); unset: never, or for generic alerts.resolve_timeout; "
        "0: never",
    )
    rate_limit_per_minute: PositiveInt32 | None = None

    _check = field_validator("resolve_timeout")(_duration)

    def key(self) -> str | None:
        return os.environ.get(self.key_env) or None


class AlertSettings(_Strict):
    group_window: str = Field(
        default="24h", description="An open incident younger than this absorbs new alerts"
    )
    resolve_timeout: str = Field(
        default="5m",
        description="Stale timeout of generic JSON integrations that set none (senders that "
        "send their own resolves have none unless their integration sets one)",
    )
    keep_deliveries: str = Field(
        default="30d",
        description="How long each webhook's receipt is kept (truncatedAlerts, group key); "
        "0s keeps them forever",
    )

    _check = field_validator("group_window", "resolve_timeout", "keep_deliveries")(_duration)

    @property
    def window(self) -> timedelta:
        return parse_duration(self.group_window)


class HealthCheckConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=100)
    url: str = Field(pattern=r"^https?://")
    service: str | None = None
    interval: str = "30s"
    timeout: str = "5s"
    expected_status: list[int] = Field(default_factory=lambda: [200])
    failures_before_alert: int = Field(default=3, ge=1)
    recoveries_before_resolve: int = Field(default=2, ge=1)
    severity: Literal["critical", "error", "warning", "info"] = "critical"

    _check = field_validator("interval", "timeout")(_duration)


# --- API shapes --------------------------------------------------------------------


Name = Annotated[str, StringConstraints(max_length=limits.NAME), Storable]


class IntegrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=limits.SHORT_NAME)
    kind: IntegrationKind
    service: Name | None = None
    resolve_timeout: Annotated[str, StringConstraints(max_length=100), Storable] | None = None
    rate_limit_per_minute: PositiveInt32 | None = None

    _check = field_validator("resolve_timeout")(_duration)


class IntegrationOut(BaseModel):
    name: str
    kind: str
    service: str | None
    resolve_timeout_seconds: int | None
    from_config: bool
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = Field(default=None, description="Shown once, when created")
    warnings: list[str] = Field(
        default_factory=list,
        description="What to check about its settings (a stale timeout shorter than its "
        "sender's re-send interval)",
    )
    urls: dict[str, str] = Field(
        default_factory=dict,
        description="Shown once, when created: where this kind of integration sends "
        "(its webhook URL; for pagerduty the Events API v2 endpoints, key as routing_key)",
    )


class AlertOut(BaseModel):
    id: int
    source: str
    dedup_key: str
    summary: str
    severity: str
    status: str
    service: str | None
    labels: dict[str, str]
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int
    resolved_at: datetime | None
    resolved_by: str | None
    acknowledged_at: datetime | None = Field(
        default=None,
        description="When its sender acknowledged it (an Events API acknowledge); the "
        "incident is acknowledged with it only if this alert opened it and is its only "
        "firing alert",
    )
    incident: str | None
    route: str


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reporter: Annotated[str, Field(min_length=1, max_length=320), Storable]
    text: Annotated[str, Field(min_length=1, max_length=10_000), Storable]
    service: Name | None = None


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Annotated[str, Field(min_length=1, max_length=limits.NAME), Storable]
    summary: Annotated[str, Field(min_length=1, max_length=2000), Storable]
    source: Name | None = None
    occurred_at: StorableInstant | None = None
    details: dict[StorableStr, StorableJson] = Field(default_factory=dict)
    links: list[dict[StorableStr, StorableStr]] = Field(default_factory=list, max_length=20)


class ChangeOut(BaseModel):
    id: int
    service: str | None
    summary: str
    source: str | None
    occurred_at: datetime
    details: dict[str, Any]
    links: list[dict[str, str]]
    recorded_by: str
    duplicate: bool = Field(
        default=False,
        description="True when this change was stored already (same content and time): "
        "a retry, answered with the stored change and nothing added",
    )


class RejectedAlert(BaseModel):
    index: int = Field(description="The alert's position in the notification's `alerts`")
    errors: list[str]


class IngestResult(BaseModel):
    """What one delivery did, for the sender and for tests."""

    alerts: int
    created: int
    updated: int
    resolved: int
    incidents_opened: list[str]
    incidents_attached: list[str]
    dedup_keys: list[str]
    rejected: list[RejectedAlert] = Field(
        default_factory=list,
        description="Alerts of the notification that could not be read and were not "
        "stored (the others were)",
    )


class LabelValueOut(BaseModel):
    value: str = Field(description="Longer than 500 characters: cut, ending in … and a digest")
    alerts: int


class LabelCountsOut(BaseModel):
    name: str = Field(
        description="alertname, host (the first of the labels instance, host, hostname, "
        "node, pod, device), cluster, namespace, job, service or severity"
    )
    values: int = Field(description="Distinct values")
    alerts: int = Field(description="Alerts that carry it")
    top: list[LabelValueOut] = Field(
        description="The values of most alerts, first seen first among equals"
    )
    other_values: int
    other_alerts: int


class AlertBriefOut(BaseModel):
    dedup_key: str
    summary: str
    severity: str
    status: str
    first_seen_at: datetime


class AlertsSummaryOut(BaseModel):
    """An incident's alerts as counts (a storm's thousands read at a glance)."""

    alerts: int = Field(description="Alerts attached to it, each counted once")
    firing: int = Field(description="Of its alerts, those firing now")
    labels: list[LabelCountsOut] = Field(description="By label, those some alert carries")
    first: AlertBriefOut | None = Field(description="The first alert attached")
    latest: AlertBriefOut | None = Field(description="The latest alert attached")
