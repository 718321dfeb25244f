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

One bad alert does not cost the others: an alert that is not a valid `template.Alert`
(a label that is not a string, a bad time) is left out and named in the answer
(`rejected: [{index, errors}]`); the rest are stored. Only a notification whose
envelope is invalid, or whose every alert is, is refused whole (422). Values the
database cannot hold as given are normalised (`normalise`): a NUL in a label becomes
U+FFFD, a fingerprint over 300 characters is hashed, a label value over 1,024
characters is cut with `…`, `truncatedAlerts` beyond 2³¹−1 is stored as 2³¹−1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warroom.alerts.formats.model import (
    AlertEvent,
    Batch,
    FormatError,
    Rejected,
    Source,
    Timestamp,
    Unusual,
    errors_from,
    first_present,
    link,
    plain_str,
    plain_str_map,
    plain_time,
    quick_event,
    severity_from_word,
)
from warroom.alerts.formats.normalise import clean_text, receipt_count, storable_event
from warroom.limits import INT32_MAX

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


class WireEnvelope(WireWebhook):
    """The notification with its alerts unread, so that each is validated alone."""

    alerts: list[Any]


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
    return _event(
        source,
        alert.status,
        alert.labels,
        alert.annotations,
        alert.startsAt,
        alert.endsAt,
        alert.generatorURL,
        alert.fingerprint,
    )


def _event(
    source: Source,
    status: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    starts_at: datetime | None,
    ends_at: datetime | None,
    generator_url: str,
    given_fingerprint: str,
) -> AlertEvent:
    key = given_fingerprint.strip() or fingerprint(labels)
    summary = (
        first_present(annotations, ("summary", "description", "message"))
        or first_present(labels, ("alertname",))
        or f"Alert {key}"
    )
    resolved = status == "resolved"
    links = link(generator_url, "Source") + link(annotations.get("runbook_url"), "Runbook")
    event = quick_event(
        {
            "source": source,
            "action": "resolve" if resolved else "trigger",
            "dedup_key": key,
            "summary": summary,
            "severity": severity_from_word(labels.get("severity")),
            "dedup_key_generated": not given_fingerprint.strip(),
            "source_name": first_present(labels, SOURCE_LABELS),
            "service": first_present(labels, SERVICE_LABELS),
            "labels": dict(labels),
            "details": dict(annotations),
            "links": links,
            "images": [],
            "occurred_at": (ends_at if resolved else None) or starts_at,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "routing_key": None,
        }
    )
    return storable_event(event)


def read_alerts(
    alerts: list[Any], model: type[WireAlert]
) -> tuple[list[tuple[int, WireAlert]], list[Rejected]]:
    """Each alert validated alone: the valid ones with their index, and the rejected.
    Raises FormatError when there were alerts and none is valid."""
    valid: list[tuple[int, WireAlert]] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(alerts):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError as exc:
            rejected.append(Rejected(index, errors_from(exc, f"alerts[{index}]")))
    if rejected and not valid:
        errors = [error for each in rejected for error in each.errors]
        raise FormatError(errors, rejected_alerts=len(rejected))
    return valid, rejected


def envelope_error(exc: ValidationError, raw: Any, model: type[WireAlert]) -> FormatError:
    """The refusal of a notification whose envelope is invalid: its errors, and those of
    its alerts, all reported at once."""
    errors = errors_from(exc)
    alerts = raw.get("alerts") if isinstance(raw, dict) else None
    if isinstance(alerts, list):
        try:
            read_alerts(alerts, model)
        except FormatError as each:
            errors += each.errors
    return FormatError(errors, rejected_alerts=len(alerts) if isinstance(alerts, list) else 0)


def parse(raw: Any) -> Batch:
    """Validate an Alertmanager webhook body; one event per valid alert, in order."""
    try:
        return _parse_plain(raw)
    except Unusual:
        pass
    try:
        hook = WireEnvelope.model_validate(raw)
    except ValidationError as exc:
        raise envelope_error(exc, raw, WireAlert) from None
    valid, rejected = read_alerts(hook.alerts, WireAlert)
    return Batch(
        events=[alert_event(alert, "alertmanager") for _, alert in valid],
        status=hook.status,
        group_key=clean_text(hook.groupKey) or None,
        receiver=hook.receiver or None,
        truncated_alerts=receipt_count(hook.truncatedAlerts),
        group_labels=dict(hook.groupLabels),
        external_url=hook.externalURL or None,
        rejected=rejected,
    )


_STATUSES: dict[str, Status] = {"firing": "firing", "resolved": "resolved"}


def _parse_plain(raw: Any) -> Batch:
    """The same Batch `WireWebhook` validation gives, by walking the dicts: the webhook
    as Alertmanager sends it, checked field by field against the models' strict types.
    Anything else (a missing field, a wrong type, a bad time) raises `Unusual`, and
    pydantic then validates the body and words the errors."""
    if type(raw) is not dict:
        raise Unusual
    version = raw.get("version")
    if version is not None and (type(version) is not str or version != "4"):
        raise Unusual
    given = raw.get("status")
    status = _STATUSES.get(given) if type(given) is str else None
    if status is None:
        raise Unusual
    truncated = raw.get("truncatedAlerts", 0)
    if type(truncated) is not int or truncated < 0 or truncated > INT32_MAX:
        raise Unusual
    group_key = plain_str(raw, "groupKey")
    receiver = plain_str(raw, "receiver")
    external_url = plain_str(raw, "externalURL")
    group_labels = plain_str_map(raw, "groupLabels")
    plain_str_map(raw, "commonLabels")
    plain_str_map(raw, "commonAnnotations")
    alerts = raw.get("alerts")
    if type(alerts) is not list:
        raise Unusual
    times: dict[str, datetime | None] = {}
    events = []
    for alert in alerts:
        if type(alert) is not dict:
            raise Unusual
        alert_status = alert.get("status")
        if type(alert_status) is not str or alert_status not in _STATUSES:
            raise Unusual
        if "labels" not in alert:
            raise Unusual
        events.append(
            _event(
                "alertmanager",
                alert_status,
                plain_str_map(alert, "labels"),
                plain_str_map(alert, "annotations"),
                plain_time(alert, "startsAt", times),
                plain_time(alert, "endsAt", times),
                plain_str(alert, "generatorURL"),
                plain_str(alert, "fingerprint"),
            )
        )
    if clean_text(group_key) != group_key:  # NUL or a lone surrogate: the full path cleans it
        raise Unusual
    return Batch(
        events=events,
        status=status,
        group_key=group_key or None,
        receiver=receiver or None,
        truncated_alerts=truncated,
        group_labels=dict(group_labels),
        external_url=external_url or None,
    )
