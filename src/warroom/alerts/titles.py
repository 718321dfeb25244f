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


def _host(labels: Mapping[str, str]) -> str | None:
    return next((labels[k].strip() for k in HOST_LABELS if labels.get(k, "").strip()), None)


def _one(summary: str) -> str:
    return summary[:TITLE_MAX].strip() or "Alert"  # a summary of spaces is no title


def group_title(alerts: Sequence[AlertText]) -> str:
    """The title of an incident opened by `alerts` (the first first; at least one)."""
    first = alerts[0]
    if len(alerts) == 1:
        return _one(first.summary)
    hosts = list(dict.fromkeys(h for h in (_host(a.labels) for a in alerts) if h))
    names = {a.labels.get("alertname", "").strip() for a in alerts}
    name = names.pop() if len(names) == 1 else ""
    if name and len(hosts) > 1:
        shown = ", ".join(hosts[:NAMED_HOSTS]) + (", …" if len(hosts) > NAMED_HOSTS else "")
        title = f"{name} on {len(hosts)} hosts ({shown})"
    elif name:
        title = f"{name}: {len(alerts)} alerts"
    else:
        more = len(alerts) - 1
        title = f"{_one(first.summary)} (and {more} more alert{'s' if more > 1 else ''})"
    return title[:TITLE_MAX]
