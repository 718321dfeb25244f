"""Grafana unified alerting webhook notifications (contact point "webhook", version "1").

Grafana's body is Alertmanager's (it embeds Alertmanager) plus `orgId`, `title`,
`state` (alerting | ok | ...), `message`, and per alert `values`, `valueString`,
`silenceURL`, `dashboardURL`, `panelURL`, `imageURL`. Alerts are read as in
`alertmanager` (same summary, severity and service rules, `fingerprint` as dedup key);
Grafana's links and query values are added, and the group `title` is the summary of
last resort.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from warroom.alerts.formats.alertmanager import WireAlert, alert_event
from warroom.alerts.formats.model import Batch, FormatError, errors_from, link


class WireGrafanaAlert(WireAlert):
    """One alert; `values` maps query/expression refIds (A, B, C…) to numbers."""

    values: dict[str, float | None] | None = None
    valueString: str = ""
    silenceURL: str = ""
    dashboardURL: str = ""
    panelURL: str = ""
    imageURL: str = ""


class WireGrafanaWebhook(BaseModel):
    """The notification body of Grafana's webhook notifier."""

    model_config = ConfigDict(strict=True)

    receiver: str = ""
    status: Literal["firing", "resolved"]
    orgId: int | None = None
    alerts: list[WireGrafanaAlert]
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    # Grafana sends "1"; a hand-written test body may leave it out.
    version: Literal["1"] | None = None
    groupKey: str = ""
    truncatedAlerts: int = 0
    title: str = ""
    state: str = ""
    message: str = ""


def _event_details(alert: WireGrafanaAlert) -> dict[str, Any]:
    details: dict[str, Any] = dict(alert.annotations)
    if alert.values is not None:
        details["values"] = dict(alert.values)
    if alert.valueString:
        details["value_string"] = alert.valueString
    return details


def parse(raw: Any) -> Batch:
    """Validate a Grafana webhook body; one event per alert, in order."""
    try:
        hook = WireGrafanaWebhook.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    events = []
    for alert in hook.alerts:
        event = alert_event(alert, "grafana")
        has_own_summary = any(
            alert.annotations.get(key, "").strip() or alert.labels.get(key, "").strip()
            for key in ("summary", "description", "message", "alertname")
        )
        events.append(
            replace(
                event,
                summary=event.summary if has_own_summary or not hook.title else hook.title,
                details=_event_details(alert),
                links=event.links
                + link(alert.dashboardURL, "Dashboard")
                + link(alert.panelURL, "Panel")
                + link(alert.silenceURL, "Silence"),
                images=[{"src": alert.imageURL, "alt": event.summary}] if alert.imageURL else [],
            )
        )
    return Batch(
        events=events,
        status=hook.status,
        group_key=hook.groupKey or None,
        receiver=hook.receiver or None,
        truncated_alerts=max(hook.truncatedAlerts, 0),
        group_labels=dict(hook.groupLabels),
        external_url=hook.externalURL or None,
    )
