"""The alerts domain's part of the configuration file: `integrations:`,
`alert_routing:`, `alerts:` and `health_checks:`, with their checks: names unique, each
integration's key set in this environment, stale timeouts that would resolve alerts
their sender still holds firing."""

from __future__ import annotations

from pydantic import Field

from warroom.alerts import stale
from warroom.alerts.formats.routing import RoutingRule
from warroom.alerts.schemas import AlertSettings, HealthCheckConfig, IntegrationConfig, seconds
from warroom.sections import Found, Strict, duplicates


class AlertsConfig(Strict):
    integrations: list[IntegrationConfig] = Field(default_factory=list)
    alert_routing: list[RoutingRule] = Field(default_factory=list)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    health_checks: list[HealthCheckConfig] = Field(default_factory=list)


def checks(config: AlertsConfig) -> Found:
    return duplicates("integrations", [i.name for i in config.integrations]) + duplicates(
        "health_checks", [h.name for h in config.health_checks]
    )


def missing_secrets(config: AlertsConfig) -> Found:
    return [
        (
            ("integrations", i, "key_env"),
            f"environment variable {integration.key_env} is not set (the server needs it set)",
        )
        for i, integration in enumerate(config.integrations)
        if integration.key() is None
    ]


def stale_timeouts(config: AlertsConfig) -> Found:
    found: Found = []
    for i, integration in enumerate(config.integrations):
        warning = stale.warning(integration.kind, seconds(integration.resolve_timeout))
        if warning:
            found.append((("integrations", i, "resolve_timeout"), warning))
    return found
