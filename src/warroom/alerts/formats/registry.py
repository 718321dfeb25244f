"""Every alert format warroom accepts, declared once, as Grafana OnCall declares its
integrations: a record per format with its name (the integration kind, and the last part
of its webhook URL), its parser, where its senders post, how they re-send a firing alert
(what a stale timeout must exceed), and its request body in the OpenAPI document.

The webhook endpoints (`alerts.webhooks`), the URLs shown for a new integration
(`alerts.integrations.intake_urls`), the stale timeout's defaults and warnings
(`alerts.stale`) and the OpenAPI document read these records. Two copies cannot import
them and are pinned to them by a test (tests/unit/alerts/test_registry.py):
`schemas.IntegrationKind`, a `Literal` for the type checker and the schema, and the
CLI's `--kind` help (the CLI starts without pydantic). A new format is a record here,
its name in those two, and its parser in `formats/`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from warroom.alerts import openapi
from warroom.alerts.formats import alertmanager, datadog, generic, grafana, pagerduty
from warroom.alerts.formats.model import AlertEvent, Batch

# A webhook format's URL: the integration's key, then the format's name.
WEBHOOK_PATH = "/api/v1/integrations/{key}/{name}"


@dataclass(frozen=True)
class AlertFormat:
    name: str
    parse: Callable[[Any], Batch | AlertEvent]
    body: Callable[[], dict[str, Any]]  # the JSON schema of a request body
    resent_by: str  # what its senders re-send a firing alert by: a stale timeout exceeds it
    # The longest a sender on its defaults goes without re-sending a firing alert.
    quiet_at_most: timedelta | None = None
    # Its alerts expire after `alerts.resolve_timeout` unless the integration says
    # otherwise (senders that may never send a resolve).
    expires_by_default: bool = False
    # Its own endpoints (label -> path), answered in its own wire shape; None: the
    # webhook at `WEBHOOK_PATH`.
    endpoints: Mapping[str, str] | None = None
    key_as: str | None = None  # the body field carrying the key, when not in the path

    @property
    def webhook(self) -> bool:
        return self.endpoints is None

    def urls(self, base: str = "", key: str = "{key}") -> dict[str, str]:
        """Where its senders post (with `{key}` in place of the key, unless given)."""
        if self.endpoints is None:
            return {self.name: base + WEBHOOK_PATH.format(key=key, name=self.name)}
        return {label: base + path for label, path in self.endpoints.items()}


# In the order the OpenAPI document lists them.
FORMATS: dict[str, AlertFormat] = {
    f.name: f
    for f in (
        AlertFormat(
            "alertmanager",
            alertmanager.parse,
            partial(openapi.json_schema, alertmanager.WireWebhook),
            # repeat_interval 4 h, flushed at the next group_interval, 5 min.
            "the route's repeat_interval (4 h by default) plus its group_interval",
            quiet_at_most=timedelta(hours=4, minutes=5),
        ),
        AlertFormat(
            "grafana",
            grafana.parse,
            partial(openapi.json_schema, grafana.WireGrafanaWebhook),
            "the notification policy's repeat interval (4 h by default)",
            quiet_at_most=timedelta(hours=4, minutes=5),
        ),
        AlertFormat(
            "datadog",
            datadog.parse,
            openapi.datadog_schema,
            "the monitor's renotify interval (off by default: then leave it off)",
        ),
        AlertFormat(
            "generic",
            generic.parse,
            partial(openapi.json_schema, generic.WireGeneric),
            "how often your script re-sends a firing alert",
            expires_by_default=True,
        ),
        AlertFormat(
            "pagerduty",
            pagerduty.parse_event,
            openapi.pagerduty_event_schema,
            "nothing: Events API senders do not re-send, so it resolves every alert "
            "that long after its last trigger",
            endpoints={
                "pagerduty_events_v2": "/v2/enqueue",
                "pagerduty_change_events": "/v2/change/enqueue",
            },
            key_as="routing_key",
        ),
    )
}
