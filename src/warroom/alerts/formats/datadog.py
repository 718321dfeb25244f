"""Datadog webhooks (Integrations → Webhooks), whose body is a template the user writes.

Datadog fills `$VARIABLES` into whatever JSON the webhook's payload template says, so
there is no fixed format. Two templates are understood.

**Datadog's default payload**, sent when the Payload field is left as Datadog fills it:

```json
{"body": "$EVENT_MSG", "last_updated": "$LAST_UPDATED", "event_type": "$EVENT_TYPE",
 "title": "$EVENT_TITLE", "date": "$DATE", "org": {"id": "$ORG_ID", "name": "$ORG_NAME"},
 "id": "$ID"}
```

Every value arrives as a string: `date` and `last_updated` are epoch milliseconds
("1406662672000"), `id` is the event's id (a new one per notification), `event_type` is
the monitor's kind (`metric_alert_monitor`, `query_alert_monitor`, `event_alert`,
`service_check`, …). Only the title tells the state: Datadog writes it as
`[P1] [Triggered on {host:web-3,env:prod}] <monitor name>` — the priority only if the
monitor has one, `on {scope}` only for a multi-alert group — with Triggered,
Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Renotify or Recovered. So the
default payload is read as:

* action: a `[Recovered …]` title resolves; any other title triggers.
* dedup key: derived from the org id, the title's scope and the monitor name (the title
  without its brackets), which a group's trigger and recovery share; the event `id`
  changes with every notification and is kept in `details` only.
* summary: the monitor name and scope without the state (`Checkout 5xx on host:web-3`):
  the state is the alert's status, and a recovered alert must not read "Triggered".
* severity: `[P1]` is critical, Warn / Re-Warn warning, anything else error.
* labels: the scope's tags (`host:web-3,env:prod`); `service` from a `service` tag.

**The recommended custom payload**, for full fidelity (tags, links, snapshot, monitor
id, alert type):

```json
{
  "id": "$ID",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
  "event_type": "$EVENT_TYPE",
  "alert_id": "$ALERT_ID",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_priority": "$ALERT_PRIORITY",
  "alert_scope": "$ALERT_SCOPE",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "aggregate": "$AGGREG_KEY",
  "priority": "$PRIORITY",
  "date": "$DATE",
  "last_updated": "$LAST_UPDATED",
  "tags": "$TAGS",
  "hostname": "$HOSTNAME",
  "link": "$LINK",
  "snapshot": "$SNAPSHOT",
  "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}
}
```

Other templates work as long as they use these field names (every field is optional
but `title`, or `body` when one of `aggregate` / `alert_id` / `alert_cycle_key` is
sent; unknown fields are kept in `details`). How they are read:

* action: `alert_transition` "Recovered" or `alert_type` "success" resolve; anything
  else (Triggered, Re-Triggered, Warn, No Data, Renotify) triggers. Without a
  transition, the title's transition counts, as above.
* dedup key: `aggregate` ($AGGREG_KEY, the same for a monitor group's trigger and
  recovery), else `alert_id` + `alert_scope` (one key per monitor group), else
  `alert_cycle_key`, else the title as for the default payload.
* severity: `alert_priority` (or the title's) P1 is critical; otherwise `alert_type`
  error → error, warning → warning, info/success → info; a Warn / Re-Warn transition →
  warning; default error, since a Datadog monitor that notifies is an alert.
* tags: "env:prod,service:checkout" (or a JSON list) become labels; a tag without a
  value becomes a label with value "". Without tags, the scope's tags (`alert_scope`,
  else the title's) are the labels. `service` comes from the service tag.
* times: `last_updated`, else `date`: epoch milliseconds or seconds (numbers or
  numeric strings; Datadog's $DATE is milliseconds) or ISO 8601.
* values the database cannot hold as given are normalised (`normalise`): an aggregate
  (dedup key) over 300 characters is hashed, so its recovery still finds it; a NUL
  becomes U+FFFD; a title over 1,024 characters and a tag over 1,024 are cut with `…`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from warroom.alerts.formats.model import (
    AlertEvent,
    FormatError,
    Severity,
    content_key,
    epoch_to_datetime,
    errors_from,
    link,
    parse_timestamp,
)
from warroom.alerts.formats.normalise import storable_event


def _text(value: object) -> str | None:
    """A template value as text: Datadog ids arrive quoted or not, depending on the template."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError("text", "must be a string or a number")
    return str(value).strip() or None


def _time(value: object) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("timestamp", "must be epoch milliseconds or an ISO 8601 time")
    if isinstance(value, int | float):
        return epoch_to_datetime(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return parse_timestamp(value)
        return epoch_to_datetime(number)
    raise PydanticCustomError("timestamp", "must be epoch milliseconds or an ISO 8601 time")


def _tags(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list):
        items = value
    else:
        raise PydanticCustomError("tags", 'must be a string like "env:prod,team:web" or a list')
    labels: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str):
            raise PydanticCustomError("tags", "must hold only strings")
        name, _, tag_value = item.strip().partition(":")
        if name:
            labels[name] = tag_value
    return labels


Text = Annotated[str | None, BeforeValidator(_text)]
Time = Annotated[datetime | None, BeforeValidator(_time)]


class WireDatadog(BaseModel):
    """The fields of both templates; anything else is kept as extra."""

    model_config = ConfigDict(extra="allow")

    id: Text = None
    event_type: Text = None
    title: Text = None
    body: Text = None
    text: Text = None
    alert_id: Text = None
    alert_title: Text = None
    alert_transition: Text = None
    alert_type: Text = None
    alert_priority: Text = None
    alert_scope: Text = None
    alert_cycle_key: Text = None
    aggregate: Text = None
    priority: Text = None
    date: Time = None
    last_updated: Time = None
    tags: Annotated[dict[str, str], BeforeValidator(_tags)] = {}
    hostname: Text = None
    link: Text = None
    url: Text = None
    snapshot: Text = None
    org: Any = None


_TYPE_SEVERITY: dict[str, Severity] = {
    "error": "error",
    "warning": "warning",
    "info": "info",
    "success": "info",
}
_WARNINGS = frozenset({"warn", "re-warn"})
# $ALERT_TRANSITION's values, which Datadog also writes at the start of the title.
_TRANSITIONS = frozenset(
    {
        "triggered",
        "re-triggered",
        "warn",
        "re-warn",
        "no data",
        "re-no data",
        "renotify",
        "recovered",
    }
)
# "[P1] [Triggered on {host:web-3}] Checkout 5xx": priority and scope are optional.
_TITLE = re.compile(
    r"\s*(?:\[(?P<priority>P\d)\]\s*)?"
    r"\[(?P<transition>[A-Za-z][A-Za-z -]*?)(?: on \{(?P<scope>.*?)\})?\]\s*(?P<name>.*)",
    re.DOTALL,
)


@dataclass(frozen=True)
class Title:
    """What Datadog writes into an event title ($EVENT_TITLE) besides the monitor name."""

    name: str
    transition: str | None = None
    priority: str | None = None
    scope: str | None = None


def read_title(title: str) -> Title:
    """`[P1] [Triggered on {host:web-3}] Checkout 5xx` as its parts; a title that does
    not start with a known transition is all name."""
    match = _TITLE.fullmatch(title)
    if match is None or match["transition"].lower() not in _TRANSITIONS:
        return Title(name=title.strip())
    return Title(
        name=match["name"].strip(),
        transition=match["transition"],
        priority=match["priority"],
        scope=(match["scope"] or "").strip() or None,
    )


def _summary(title: Title) -> str:
    """The alert in words without its state: "[Triggered on {host:web-3}] Checkout 5xx"
    is stored as "Checkout 5xx on host:web-3", so that once it recovers nothing shows
    it as triggered (the state is the alert's status)."""
    if title.transition is None:
        return title.name
    name = title.name or "Datadog monitor"
    return f"{name} on {title.scope}" if title.scope else name


def _severity(hook: WireDatadog, priority: str | None, transition: str | None) -> Severity:
    if (priority or "").upper() == "P1":
        return "critical"
    if hook.alert_type and hook.alert_type.lower() in _TYPE_SEVERITY:
        return _TYPE_SEVERITY[hook.alert_type.lower()]
    if (transition or "").lower() in _WARNINGS:
        return "warning"
    return "error"


def _resolves(hook: WireDatadog, title: Title) -> bool:
    if hook.alert_transition:
        return hook.alert_transition.lower() == "recovered"
    if (hook.alert_type or "").lower() == "success":
        return True
    return (title.transition or "").lower() == "recovered"


def _org_id(org: Any) -> str | None:
    value = org.get("id") if isinstance(org, dict) else None
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


def parse(raw: Any) -> AlertEvent:
    """Validate a Datadog webhook body (see the module docstring for the templates)."""
    try:
        hook = WireDatadog.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    body = hook.body or hook.text
    given_title = hook.title or hook.alert_title
    title = given_title or (body.splitlines()[0] if body else None)
    if not title:
        raise FormatError(["'title' is required (or 'body')"])
    parts = read_title(title)
    scope = hook.alert_scope or parts.scope
    generated = False
    if hook.aggregate:
        dedup_key = hook.aggregate
    elif hook.alert_id:
        dedup_key = f"{hook.alert_id}:{hook.alert_scope}" if hook.alert_scope else hook.alert_id
    elif hook.alert_cycle_key:
        dedup_key = hook.alert_cycle_key
    elif given_title:
        # Datadog's default payload: the title, less what changes between notifications.
        dedup_key = content_key("datadog", _org_id(hook.org), scope, parts.name)
        generated = True
    else:
        raise FormatError(
            ["'title' is required without 'aggregate', 'alert_id' or 'alert_cycle_key'"]
        )
    transition = hook.alert_transition or parts.transition
    priority = hook.alert_priority or parts.priority
    labels = dict(hook.tags) or (_tags(scope) if scope else {})

    details: dict[str, Any] = {
        name: value
        for name, value in {
            "body": body,
            "event_id": hook.id,
            "event_type": hook.event_type,
            "alert_id": hook.alert_id,
            "alert_transition": transition,
            "alert_type": hook.alert_type,
            "alert_priority": priority,
            "alert_scope": scope,
            "alert_cycle_key": hook.alert_cycle_key,
            "priority": hook.priority,
            "org": hook.org,
        }.items()
        if value is not None
    }
    details.update(hook.model_extra or {})
    event = AlertEvent(
        source="datadog",
        action="resolve" if _resolves(hook, parts) else "trigger",
        dedup_key=dedup_key,
        dedup_key_generated=generated,
        summary=_summary(parts),
        severity=_severity(hook, priority, transition),
        source_name=hook.hostname or labels.get("host") or None,
        service=labels.get("service") or None,
        labels=labels,
        details=details,
        links=link(hook.link or hook.url, "Datadog"),
        images=[{"src": hook.snapshot, "alt": title}] if hook.snapshot else [],
        occurred_at=hook.last_updated or hook.date,
    )
    return storable_event(event)
