"""Datadog webhooks (Integrations → Webhooks), whose body is a template the user writes.

Datadog fills `$VARIABLES` into whatever JSON the webhook's payload template says, so
there is no fixed format. Use this template; other templates work as long as they
use these field names (every field but one of `aggregate` / `alert_id` /
`alert_cycle_key` and one of `title` / `body` is optional, and unknown fields are kept in
`details`):

```json
{
  "id": "$ID",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
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

How it is read:

* action: `alert_transition` "Recovered" or `alert_type` "success" resolve; anything
  else (Triggered, Re-Triggered, Warn, No Data, Renotify) triggers. Without a
  transition, a title starting "[Recovered]" resolves, as Datadog writes titles.
* dedup key: `aggregate` ($AGGREG_KEY, the same for a monitor group's trigger and
  recovery), else `alert_id` + `alert_scope` (one key per monitor group), else
  `alert_cycle_key`. One of them is required: without it a recovery could never
  find its trigger.
* severity: `alert_priority` P1 is critical; otherwise `alert_type` error → error,
  warning → warning, info/success → info; `alert_transition` Warn → warning; default
  error, since a Datadog monitor that notifies is an alert.
* tags: "env:prod,service:checkout" (or a JSON list) become labels; a tag without a
  value becomes a label with value "". `service` comes from the service tag.
* times: `last_updated`, else `date`: epoch milliseconds or seconds (numbers or
  numeric strings; Datadog's $DATE is milliseconds) or ISO 8601.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from warroom.alerts.formats.model import (
    AlertEvent,
    FormatError,
    Severity,
    epoch_to_datetime,
    errors_from,
    link,
    parse_timestamp,
)


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
    """The fields of the recommended template; anything else is kept as extra."""

    model_config = ConfigDict(extra="allow")

    id: Text = None
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


def _severity(hook: WireDatadog) -> Severity:
    if (hook.alert_priority or "").upper() == "P1":
        return "critical"
    if hook.alert_type and hook.alert_type.lower() in _TYPE_SEVERITY:
        return _TYPE_SEVERITY[hook.alert_type.lower()]
    if (hook.alert_transition or "").lower() == "warn":
        return "warning"
    return "error"


def _resolves(hook: WireDatadog, title: str) -> bool:
    if hook.alert_transition:
        return hook.alert_transition.lower() == "recovered"
    if (hook.alert_type or "").lower() == "success":
        return True
    return title.lower().startswith("[recovered]")


def parse(raw: Any) -> AlertEvent:
    """Validate a Datadog webhook body (see the module docstring for the template)."""
    try:
        hook = WireDatadog.model_validate(raw)
    except ValidationError as exc:
        raise FormatError(errors_from(exc)) from None
    errors = []
    if hook.aggregate:
        dedup_key = hook.aggregate
    elif hook.alert_id:
        dedup_key = f"{hook.alert_id}:{hook.alert_scope}" if hook.alert_scope else hook.alert_id
    elif hook.alert_cycle_key:
        dedup_key = hook.alert_cycle_key
    else:
        dedup_key = ""
        errors.append("'aggregate' is required (or 'alert_id' or 'alert_cycle_key')")
    body = hook.body or hook.text
    title = hook.title or hook.alert_title or (body.splitlines()[0] if body else None)
    if not title:
        errors.append("'title' is required (or 'body')")
    if errors or title is None:
        raise FormatError(errors)

    details: dict[str, Any] = {
        name: value
        for name, value in {
            "body": body,
            "event_id": hook.id,
            "alert_id": hook.alert_id,
            "alert_transition": hook.alert_transition,
            "alert_type": hook.alert_type,
            "alert_priority": hook.alert_priority,
            "alert_scope": hook.alert_scope,
            "alert_cycle_key": hook.alert_cycle_key,
            "priority": hook.priority,
            "org": hook.org,
        }.items()
        if value is not None
    }
    details.update(hook.model_extra or {})
    return AlertEvent(
        source="datadog",
        action="resolve" if _resolves(hook, title) else "trigger",
        dedup_key=dedup_key,
        summary=title,
        severity=_severity(hook),
        source_name=hook.hostname,
        service=hook.tags.get("service") or None,
        labels=dict(hook.tags),
        details=details,
        links=link(hook.link or hook.url, "Datadog"),
        images=[{"src": hook.snapshot, "alt": title}] if hook.snapshot else [],
        occurred_at=hook.last_updated or hook.date,
    )
