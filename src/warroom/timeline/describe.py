"""Timeline events in words: one sentence per kind, for people (API `text`, CLI timeline).

Pure and light (no I/O, no third-party imports), so the CLI can use it without cost.
An event whose writer put a plain-English `message` in its data is described by it;
a kind this module does not know is still told in words, never as a repr or JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Data = Mapping[str, Any]


def describe(kind: str, data: Data | None) -> str:
    """One readable sentence for a timeline event."""
    d: Data = data if isinstance(data, Mapping) else {}
    message = d.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    sentence = _KINDS.get(kind)
    if sentence is not None:
        try:
            return sentence(_Fields(d))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            pass  # data missing or of an unexpected shape: the generic sentence still reads
    return _generic(kind, d)


# --- words for values -----------------------------------------------------------------


def words(value: Any) -> str:
    """A value as a person would write it: yes/no, lists with commas, no quotes or braces."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return _time(value) or value
    if isinstance(value, Mapping):
        parts = [f"{_label(k)} {words(v)}" for k, v in value.items() if v not in (None, "", [])]
        return "; ".join(parts) or "none"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(words(v) for v in value) or "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(key: Any) -> str:
    return f"{str(key).replace('_', ' ')}:"


def _time(text: str) -> str | None:
    """An ISO 8601 instant as `2025-11-01 12:15 UTC`; None when `text` is not one."""
    if len(text) < 16 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def _duration(seconds: Any) -> str:
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _role(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise KeyError("role")
    return name.replace("_", " ")


def _with(text: str, detail: Any, sep: str = ": ") -> str:
    """`text` followed by `detail` when there is one (free text as written)."""
    if detail in (None, "", [], {}):
        return text
    return f"{text}{sep}{detail if isinstance(detail, str) else words(detail)}"


def _generic(kind: str, d: Data) -> str:
    head = (kind or "event").replace("_", " ").strip().capitalize() or "Event"
    details = "; ".join(f"{_label(k)} {words(v)}" for k, v in d.items() if v not in (None, "", []))
    return f"{head}: {details}" if details else head


# --- one sentence per kind ------------------------------------------------------------


class _Fields:
    """An event's data as words: `f["key"]` raises KeyError when the value is missing or
    empty (the generic sentence is used then); `f.get("key")` is None instead."""

    def __init__(self, data: Data) -> None:
        self.raw = data

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None or value in ("", [], {}):
            return None
        return words(value)


def _declared(f: _Fields) -> str:
    text = f"Declared {f['severity']}: {f['title']}"
    extras = []
    for key, label in (
        ("services", "services"),
        ("incident_commander", "commander"),
        ("response_due_at", "response due"),
    ):
        if f.get(key):
            extras.append(f"{label} {f[key]}")
    opened = f.raw.get("opened_by_alert")
    if isinstance(opened, Mapping):
        source = _Fields(opened).get("source")
        extras.append(f"opened by an alert from {source}" if source else "opened by an alert")
    if f.get("unknown_service"):
        extras.append(f"service {f['unknown_service']} is not configured, so none was set")
    return f"{text} ({'; '.join(extras)})" if extras else text


def _acknowledged(f: _Fields) -> str:
    text = "Acknowledged"
    seconds = f.raw.get("seconds_to_acknowledge")
    if seconds is not None:
        after = _duration(seconds)
        text += " at declaration" if after == "0 s" else f" {after} after declaration"
    if f.raw.get("response_breached") is True:
        text += ", after the response time had run out"
    return text


def _role_assigned(f: _Fields) -> str:
    text = f"{f['person']} is now {_role(f.raw['role'])}"
    if f.get("source"):  # filled by warroom: from the configuration or the paging
        text += f", {f['source']}"
    return f"{text} (was {f['previous']})" if f.get("previous") else text


# The runbook's assessment questions in its order (JSON columns may not keep key order).
_ASSESSMENT_ORDER = (
    "user_impact",
    "users_affected",
    "systems_impacted",
    "data_at_risk",
    "security_incident",
)


def _assessment(f: _Fields) -> str:
    answers = {k: f.raw[k] for k in _ASSESSMENT_ORDER if k in f.raw}
    answers.update({k: v for k, v in sorted(f.raw.items()) if k not in (*answers, "answers")})
    extra = f.raw.get("answers")
    if isinstance(extra, Mapping):
        answers.update(sorted(extra.items()))
    return _with("Assessment recorded", answers)


def _moved(what: str) -> Callable[[_Fields], str]:
    def sentence(f: _Fields) -> str:
        text = f"{what} changed from {f['from']} to {f['to']}"
        if f.get("skipped"):
            text += f", skipping {f['skipped']}"
        return _with(text, f.get("note"))

    return sentence


def _resolved(f: _Fields) -> str:
    text = _with("Resolved", f.get("summary"))
    undone = []
    if f.get("missing_roles"):
        undone.append(f"roles missing: {f['missing_roles'].replace('_', ' ')}")
    if f.get("open_tasks"):
        undone.append(f"tasks open: {f['open_tasks']}")
    return f"{text} ({'; '.join(undone)})" if undone else text


def _task_reopened(f: _Fields) -> str:
    text = f"Task {f['task']} reopened: {f['text']}"
    by = f.raw.get("reopened_by")
    if isinstance(by, Mapping) and by.get("kind"):
        text += f" (by event {words(by.get('event'))}: {str(by['kind']).replace('_', ' ')})"
    return text


def _task_done(f: _Fields) -> str:
    text = f"Task {f['task']} done: {f['text']}"
    by = f.raw.get("ticked_by")
    if isinstance(by, Mapping) and by.get("kind"):
        # Ticked by warroom: say which event did it, so the timeline explains the tick.
        text += f" (ticked by event {words(by.get('event'))}: {str(by['kind']).replace('_', ' ')})"
    return _with(text, f.get("note"), " — note: ")


def _escalation_step(f: _Fields) -> str:
    step = f"Escalation step {f['step']}"
    if f.get("label"):
        step += f" ({f['label']})"
    if f.get("round") not in (None, "0"):  # rounds count from 0: the first is not said
        step += f", round {f['round']}"
    verb = "notifying" if f.get("action") == "notify" else "paging"
    nobody = "nobody to notify" if f.get("action") == "notify" else "nobody to page"
    text = f"{step}: {verb} {f['people']}" if f.get("people") else f"{step}: {nobody}"
    if f.get("unresolved"):
        text += f"; not found: {f['unresolved']}"
    if f.get("no_contact_method"):
        text += f"; no way to reach {f['no_contact_method']}"
    return text


def _page_suppressed(f: _Fields) -> str:
    text = f"Page to {f['person']} by {f['method']} held back"
    text = _with(text, f.get("reason"))
    return (
        f"{text} ({f['suppressed_total']} held back so far)" if f.get("suppressed_total") else text
    )


def _sla_warning(f: _Fields) -> str:
    text = "Response time nearly up and not acknowledged"
    if f.get("response_due_at"):
        text += f" (due {f['response_due_at']})"
    return _with(text, f.get("told"), "; told ")


def _count(value: Any) -> int | None:
    """A count of alerts written as an int (not a bool, which is an int too)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _alerts(n: int) -> str:
    return "1 alert" if n == 1 else f"{n:,} alerts"


def _alert_attached(f: _Fields) -> str:
    # Several alerts one transaction attached are one event: "count" and the group's
    # title as "summary", its worst severity, how many of them fired again.
    count = _count(f.raw.get("count"))
    if count is not None:
        again = _count(f.raw.get("refired")) or 0
        verb = "fired again" if again >= count else "attached"
        text = f"{_alerts(count)} from {f['source']} {verb}: {f['summary']}"
        if f.get("severity"):
            text += f" ({f['severity']})"
        return f"{text}; {again:,} fired again" if 0 < again < count else text
    verb = "fired again" if f.raw.get("refired") is True else "attached"
    text = f"Alert from {f['source']} {verb}: {f['summary']}"
    return f"{text} ({f['severity']})" if f.get("severity") else text


def _alert_resolved(f: _Fields) -> str:
    count = _count(f.raw.get("count"))
    if count is not None:
        by = f.get("resolved_by") or "their sender"
        return f"{_alerts(count)} resolved by {by}: {f['summary']}"
    return f"Alert resolved by {f.get('resolved_by') or 'its sender'}: {f['summary']}"


_NOT_ACKNOWLEDGED = {
    "declared_by_a_person": "a person declared it",
    "opened_by_another_alert": "another alert opened it",
    "other_alerts_firing": "other alerts are still firing",
}


def _alert_acknowledged(f: _Fields) -> str:
    text = f"Alert acknowledged by {f.get('source') or 'its sender'}: {f['summary']}"
    why = _NOT_ACKNOWLEDGED.get(str(f.raw.get("incident_not_acknowledged")))
    if why is None:
        return text
    firing = f.raw.get("other_alerts_firing")
    if isinstance(firing, int) and firing > 0 and "firing" not in why:
        why += f"; {firing} other alert{'s are' if firing > 1 else ' is'} firing"
    elif isinstance(firing, int) and firing > 0:
        why = f"{firing} other alert{'s are' if firing > 1 else ' is'} still firing"
    return f"{text}. The incident stays unacknowledged and escalating: {why}"


def _all_resolved(f: _Fields) -> str:
    timed_out = f.raw.get("timed_out")
    if isinstance(timed_out, int) and timed_out > 0:
        alerts = "1 alert was" if timed_out == 1 else f"{timed_out} alerts were"
        return (
            f"All alerts resolved, but {alerts} only not re-sent in time (stale timeout), "
            "so the incident stays open"
        )
    if f.raw.get("monitoring") is True:
        text = "All alerts resolved: escalation stopped and the incident is monitoring"
        if f.get("resolves_at"):
            window = f", {f['window_minutes']} min" if f.get("window_minutes") else ""
            return (
                f"{text}; it resolves itself at {f['resolves_at']} if no alert fires again "
                f"(the runbook's monitoring window{window})"
            )
        why = _STAYS.get(str(f.raw.get("stays")))
        return f"{text}; a person resolves it ({why})" if why else text
    if f.raw.get("auto_resolve") is True:
        return "All alerts resolved; the incident resolves itself (routing rule)"
    return "All alerts resolved"


_STAYS = {
    "acknowledged": "someone acknowledged it",
    "routing_rule": "its routing rule says auto_resolve: false",
    "no_window": "the runbook names no monitoring window",
}


_KINDS: dict[str, Callable[[_Fields], str]] = {
    "incident_declared": _declared,
    "incident_acknowledged": _acknowledged,
    "severity_changed": _moved("Severity"),
    "title_changed": lambda f: f"Title changed to: {f['to']}",
    "summary_changed": lambda f: _with("Summary updated", f.get("summary")),
    "services_changed": lambda f: (
        f"Services changed from {f.get('from') or 'none'} to {f.get('to') or 'none'}"
    ),
    "role_assigned": _role_assigned,
    "role_unassigned": lambda f: f"{f['person']} is no longer {_role(f.raw['role'])}",
    "note_added": lambda f: _with("Note", f.get("text")),
    "assessment_recorded": _assessment,
    "status_changed": _moved("Status"),
    "incident_resolved": _resolved,
    "incident_reopened": lambda f: _with("Reopened", f.get("reason")),
    "phase_changed": _moved("Phase"),
    "symptoms_recorded": lambda f: _with("Symptoms recorded", f.get("symptoms")),
    "task_completed": _task_done,
    "task_reopened": _task_reopened,
    "escalation_step": _escalation_step,
    "escalation_skipped": lambda f: _with(
        f"Escalation step {f['step']} skipped: nobody to page, went on to the next",
        f.get("reason"),
        " — ",
    ),
    "page_sent": lambda f: f"Paged {f['person']} by {f['method']}",
    "page_failed": lambda f: _with(
        f"Page to {f['person']} by {f['method']} failed", f.get("error")
    ),
    "page_suppressed": _page_suppressed,
    "response_sla_warning": _sla_warning,
    "response_sla_breached": lambda f: (
        _with("Response time breached: not acknowledged by", f.get("response_due_at"), " ")
        if f.get("response_due_at")
        else "Response time breached"
    ),
    "alert_attached": _alert_attached,
    "alert_resolved": _alert_resolved,
    "all_alerts_resolved": _all_resolved,
    "alert_acknowledged": _alert_acknowledged,
}

KNOWN_KINDS = frozenset(_KINDS)
