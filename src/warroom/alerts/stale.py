"""Stale timeout: when an alert that stopped being re-sent counts as resolved.

A firing alert stays firing until its sender resolves it. Senders that send their own
resolves re-send a firing alert only now and then (Alertmanager and Grafana every
`repeat_interval`, 4 h by default; Datadog only with "renotify", off by default;
PagerDuty Events senders never), so a timeout shorter than that would mark live alerts
resolved. For them it is off unless the integration sets `resolve_timeout`, which must
then exceed what the sender re-sends by (`resent_by` of its format's record in
`alerts.formats.registry`). Generic JSON senders (scripts) may never send a resolve:
theirs defaults to `alerts.resolve_timeout` (the record says `expires_by_default`).

An alert resolved by timeout never resolves, or quiets, an incident by itself
(`alerts.quiet`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.alerts.formats.registry import FORMATS
from warroom.runbooks.durations import format_duration


def stale_timeout(integration_timeout: int | None, source: str, default: int | None) -> int | None:
    """Seconds after its last sending that a firing alert is resolved; None: never.

    `integration_timeout` is the integration's own setting (0: never), `default` the
    configured `alerts.resolve_timeout` for the sources that expire by default."""
    if integration_timeout is not None:
        return integration_timeout or None
    format_ = FORMATS.get(source)
    if format_ is not None and format_.expires_by_default:
        return default or None
    return None


def expiry(timeout: int | None, now: datetime) -> datetime | None:
    return now + timedelta(seconds=timeout) if timeout else None


def warning(kind: str, timeout: int | None) -> str | None:
    """What is wrong with an integration's stale timeout for its sender, if anything."""
    format_ = FORMATS.get(kind)
    if not timeout or format_ is None or format_.expires_by_default:
        return None
    quiet = format_.quiet_at_most
    if quiet is not None and timedelta(seconds=timeout) > quiet:
        return None
    return (
        f"resolve_timeout {format_duration(timedelta(seconds=timeout))} must exceed "
        f"{format_.resent_by}: shorter, alerts still firing are resolved between re-sends"
        if quiet is not None
        else f"resolve_timeout is set; it must exceed {format_.resent_by}"
    )
