"""Grafana unified alerting webhook notifications (contact point "webhook", version "1").

Grafana's body is Alertmanager's (it embeds Alertmanager) plus `orgId`, `title`,
`state` (alerting | ok | ...), `message`, and per alert `values`, `valueString`,
`silenceURL`, `dashboardURL`, `panelURL`, `imageURL`. Alerts are read as in
`alertmanager` (same summary, severity and service rules, `fingerprint` as dedup key);
Grafana's links and query values are added, and the group `title` is the summary of
last resort. As for Alertmanager, an invalid alert is left out and named in the answer
(`rejected`) while the others are stored, and values the database cannot hold as given
are normalised (`normalise`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from warroom.alerts.formats.alertmanager import (
    WireAlert,
    alert_event,
    envelope_error,
    read_alerts,
)
from warroom.alerts.formats.model import Batch, link
from warroom.alerts.formats.normalise import clean_text, receipt_count, storable_event


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


class WireGrafanaEnvelope(WireGrafanaWebhook):
    """The notification with its alerts unread, so that each is validated alone."""

    alerts: list[Any]


def _event_details(alert: WireGrafanaAlert) -> dict[str, Any]:
    details: dict[str, Any] = dict(alert.annotations)
    if alert.values is not None:
        details["values"] = dict(alert.values)
    if alert.valueString:
        details["value_string"] = alert.valueString
    return details


# "[FIRING:2] HighCPU (blue)": the group's state and count lead Grafana's title.
_STATE = re.compile(r"^\s*\[(?:FIRING|RESOLVED)(?::\d+(?:,\s*RESOLVED:\d+)?)?\]\s*", re.I)


def _without_state(title: str) -> str:
    """The group title as an alert's summary, less the state it was sent in (which goes
    stale, and the alert's status says)."""
    return _STATE.sub("", title, count=1) or title


def parse(raw: Any) -> Batch:
    """Validate a Grafana webhook body; one event per alert, in order."""
    try:
        hook = WireGrafanaEnvelope.model_validate(raw)
    except ValidationError as exc:
        raise envelope_error(exc, raw, WireGrafanaAlert) from None
    valid, rejected = read_alerts(hook.alerts, WireGrafanaAlert)
    events = []
    for _, wire in valid:
        alert = cast(WireGrafanaAlert, wire)
        event = alert_event(alert, "grafana")
        has_own_summary = any(
            alert.annotations.get(key, "").strip() or alert.labels.get(key, "").strip()
            for key in ("summary", "description", "message", "alertname")
        )
        events.append(
            storable_event(
                replace(
                    event,
                    summary=event.summary
                    if has_own_summary or not hook.title
                    else _without_state(hook.title),
                    details=_event_details(alert),
                    links=event.links
                    + link(alert.dashboardURL, "Dashboard")
                    + link(alert.panelURL, "Panel")
                    + link(alert.silenceURL, "Silence"),
                    images=[{"src": alert.imageURL, "alt": event.summary}]
                    if alert.imageURL
                    else [],
                )
            )
        )
    return Batch(
        events=events,
        status=hook.status,
        group_key=clean_text(hook.groupKey) or None,
        receiver=hook.receiver or None,
        truncated_alerts=receipt_count(hook.truncatedAlerts),
        group_labels=dict(hook.groupLabels),
        external_url=hook.externalURL or None,
        rejected=rejected,
    )
