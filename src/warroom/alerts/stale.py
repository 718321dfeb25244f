"""Stale timeout: when an alert that stopped being re-sent counts as resolved.

A firing alert stays firing until its sender resolves it. Senders that send their own
resolves re-send a firing alert only now and then (Alertmanager and Grafana every
`repeat_interval`, 4 h by default; Datadog only with "renotify", off by default;
PagerDuty Events senders never), so a timeout shorter than that would mark live alerts
resolved. For them it is off unless the integration sets `resolve_timeout`, which must
then exceed the sender setting named in `SENDER_SETTING`. Generic JSON senders (scripts)
may never send a resolve: theirs defaults to `alerts.resolve_timeout`.

An alert resolved by timeout never resolves, or quiets, an incident by itself
(`alerts.quiet`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.runbooks.durations import format_duration

# What each sender re-sends a firing alert by: a stale timeout must exceed it.
SENDER_SETTING = {
    "alertmanager": "the route's repeat_interval (4 h by default) plus its group_interval",
    "grafana": "the notification policy's repeat interval (4 h by default)",
    "datadog": "the monitor's renotify interval (off by default: then leave it off)",
    "pagerduty": "nothing: Events API senders do not re-send, so it resolves every alert "
    "that long after its last trigger",
    "generic": "how often your script re-sends a firing alert",
}
# The longest a sender on its defaults goes without re-sending a firing alert: a stale
# timeout must be longer (Alertmanager: repeat_interval 4 h, flushed at the next
# group_interval, 5 min).
QUIET_AT_MOST = {
    "alertmanager": timedelta(hours=4, minutes=5),
    "grafana": timedelta(hours=4, minutes=5),
}
# Sources whose alerts expire by default (after `alerts.resolve_timeout`).
EXPIRING_BY_DEFAULT = frozenset({"generic"})


def stale_timeout(integration_timeout: int | None, source: str, default: int | None) -> int | None:
    """Seconds after its last sending that a firing alert is resolved; None: never.

    `integration_timeout` is the integration's own setting (0: never), `default` the
    configured `alerts.resolve_timeout` for the sources that expire by default."""
    if integration_timeout is not None:
        return integration_timeout or None
    if source in EXPIRING_BY_DEFAULT:
        return default or None
    return None


def expiry(timeout: int | None, now: datetime) -> datetime | None:
    return now + timedelta(seconds=timeout) if timeout else None


def warning(kind: str, timeout: int | None) -> str | None:
    """What is wrong with an integration's stale timeout for its sender, if anything."""
    if not timeout or kind not in SENDER_SETTING or kind == "generic":
        return None
    quiet = QUIET_AT_MOST.get(kind)
    if quiet is not None and timedelta(seconds=timeout) > quiet:
        return None
    return (
        f"resolve_timeout {format_duration(timedelta(seconds=timeout))} must exceed "
        f"{SENDER_SETTING[kind]}: shorter, alerts still firing are resolved between re-sends"
        if quiet is not None
        else f"resolve_timeout is set; it must exceed {SENDER_SETTING[kind]}"
    )
