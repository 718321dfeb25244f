"""An incident's title from the alerts that opened it. Pure.

One alert: its summary. A group (Alertmanager sends an alert per host): what the group has
in common and how many hosts, "HighErrorRate on 3 hosts (api-1, api-2, api-3)", not the
first host's summary, which would tell the responder one host is down when three are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TITLE_MAX = 500
# Labels that name the host an alert is about, in the order they are tried.
HOST_LABELS = ("instance", "host", "hostname", "node", "pod", "device")
NAMED_HOSTS = 3  # hosts named in the title; the rest are counted


@dataclass(frozen=True)
class AlertText:
    summary: str
    labels: Mapping[str, str]


def host(labels: Mapping[str, str]) -> str | None:
    """The host an alert is about: its first non-blank label of HOST_LABELS, stripped."""
    return next((labels[k].strip() for k in HOST_LABELS if labels.get(k, "").strip()), None)


def _one(summary: str) -> str:
    return summary[:TITLE_MAX].strip() or "Alert"  # a summary of spaces is no title


def alertname(labels: Mapping[str, str]) -> str:
    """The alert's `alertname` label, stripped ("" when it has none)."""
    return labels.get("alertname", "").strip()


@dataclass(frozen=True)
class TitleFacts:
    """What a group's title is made of, so that it can be computed from a list of alerts
    or from an incident's stored tallies (`alerts.tally`) alike."""

    total: int  # alerts, at least one
    first_summary: str  # the first alert's (only its first TITLE_MAX characters count)
    # Non-empty alertnames and how many alerts carry each. Two entries say as much as
    # all of them: the title only asks whether one name is carried by every alert.
    alertnames: Mapping[str, int]
    hosts: Sequence[str]  # the first NAMED_HOSTS distinct hosts, in order of appearance
    host_count: int  # distinct hosts


def facts_of(alerts: Sequence[AlertText]) -> TitleFacts:
    """The facts of `alerts` (the first first; at least one)."""
    hosts = list(dict.fromkeys(h for h in (host(a.labels) for a in alerts) if h))
    names: dict[str, int] = {}
    for alert in alerts:
        name = alertname(alert.labels)
        if name:
            names[name] = names.get(name, 0) + 1
    return TitleFacts(
        total=len(alerts),
        first_summary=alerts[0].summary,
        alertnames=names,
        hosts=hosts[:NAMED_HOSTS],
        host_count=len(hosts),
    )


def title_from(facts: TitleFacts) -> str:
    """The title of a group with these facts."""
    if facts.total == 1:
        return _one(facts.first_summary)
    name = ""  # unless every alert carries the same one
    if len(facts.alertnames) == 1:
        [(only, carried)] = facts.alertnames.items()
        name = only if carried == facts.total else ""
    if name and facts.host_count > 1:
        shown = ", ".join(facts.hosts) + (", …" if facts.host_count > NAMED_HOSTS else "")
        title = f"{name} on {facts.host_count} hosts ({shown})"
    elif name:
        title = f"{name}: {facts.total} alerts"
    else:
        more = facts.total - 1
        title = f"{_one(facts.first_summary)} (and {more} more alert{'s' if more > 1 else ''})"
    return title[:TITLE_MAX]


def group_title(alerts: Sequence[AlertText]) -> str:
    """The title of an incident opened by `alerts` (the first first; at least one)."""
    return title_from(facts_of(alerts))
