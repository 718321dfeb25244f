"""Prometheus Alertmanager webhook notifications (`webhook_config`, payload version "4").

```json
{"version": "4", "groupKey": "{}/{severity=\\"critical\\"}:{alertname=\\"ProbeFailure\\"}",
 "truncatedAlerts": 0, "status": "firing", "receiver": "warroom",
 "groupLabels": {"alertname": "ProbeFailure"}, "commonLabels": {...},
 "commonAnnotations": {...}, "externalURL": "http://alertmanager:9093",
 "alerts": [{"status": "firing", "labels": {...}, "annotations": {...},
             "startsAt": "2025-11-01T12:00:00.123456789Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
             "fingerprint": "1a30ba71cca2921f"}]}
```

One `AlertEvent` per alert: `dedup_key` is the alert's fingerprint, the action follows the
alert's own `status` (a group's status is "firing" while any of its alerts fires), the
summary is `annotations.summary`, else `annotations.description`, else
`labels.alertname`, and the severity comes from `labels.severity`
(`model.severity_from_word`, default warning).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warroom.alerts.formats.model import (
    AlertEvent,
    Batch,
    FormatError,
    Source,
    Timestamp,
    errors_from,
    first_present,
    link,
    severity_from_word,
)

# Labels that name the service an alert is about, in order of preference.
SERVICE_LABELS = ("service", "app", "app_kubernetes_io_name", "component")
# Labels that name the machine or target the alert fired on.
SOURCE_LABELS = ("instance", "host", "hostname", "node", "pod")

Status = Literal["firing", "resolved"]


class WireAlert(BaseModel):
    """One alert of the notification, as Alertmanager's `template.Alert` marshals it."""

    model_config = ConfigDict(strict=True)

    status: Status
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: Timestamp = None
    endsAt: Timestamp = None
    generatorURL: str = ""
    fingerprint: str = ""


class WireWebhook(BaseModel):
    """The notification body (`notify/webhook.Message`)."""

    model_config = ConfigDict(strict=True)

    # Alertmanager always sends "4"; a hand-written test body may leave it out.
    version: Literal["4"] | None = None
    groupKey: str = ""
    truncatedAlerts: Annotated[int, Field(ge=0)] = 0
    status: Status
    receiver: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    alerts: list[WireAlert]


_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_SEPARATOR = 0xFF


def fingerprint(labels: dict[str, str]) -> str:
    """The fingerprint Alertmanager itself gives these labels (`model.LabelSet.Fingerprint`).

    FNV-1a 64 over the labels sorted by name, each name and value followed by a 0xFF
    byte. Computing the same value means an alert sent once without its fingerprint
    and once with it still deduplicates.
    """
    digest = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode("utf-8", "surrogatepass"), _SEPARATOR):
                digest = ((digest ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{digest:016x}"


def alert_event(alert: WireAlert, source: Source) -> AlertEvent:
    """The normalized event for one alert of an Alertmanager-shaped notification."""
    labels, annotations = alert.labels, alert.annotations
    key = alert.fingerprint.strip()
    summary = (
        first_present(annotations, ("summary", "description", "message"))
        or first_present(labels, ("alertname",))
        or f"Alert {key or fingerprint(labels)}"
    )
    resolved = alert.status == "resolved"
    return AlertEvent(
        source=source,
        action="resolve" if resolved else "trigger",
        dedup_key=key or fingerprint(labels),
        dedup_key_generated=not key,
        summary=summary,
        severity=severity_from_word(labels.get("severity")),
        source_name=first_present(labels, SOURCE_LABELS),
        service=first_present(labels, SERVICE_LABELS),
        labels=dict(labels),
        details=dict(annotations),
        links=link(alert.generatorURL, "Source") + link(annotations.get("runbook_url"), "Runbook"),
        occurred_at=(alert.endsAt if resolved else None) or alert.startsAt,
        starts_at=alert.startsAt,
        ends_at=alert.endsAt,
    )


def parse(raw: Any) -> Batch:
    """Validate an Alertmanager webhook body; one event per alert, in order."""
    try:
        hook = WireWebhook.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    return Batch(
        events=[alert_event(alert, "alertmanager") for alert in hook.alerts],
        status=hook.status,
        group_key=hook.groupKey or None,
        receiver=hook.receiver or None,
        truncated_alerts=hook.truncatedAlerts,
        group_labels=dict(hook.groupLabels),
        external_url=hook.externalURL or None,
    )
