"""Rich rendering of API answers. Presentation only: every figure comes from the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from warroom.timeline.describe import describe

SEVERITY_STYLE = {
    "SEV-1": "bold white on red",
    "SEV-2": "bold red",
    "SEV-3": "yellow",
    "SEV-4": "cyan",
}
STATUS_STYLE = {
    "investigating": "red",
    "identified": "yellow",
    "monitoring": "blue",
    "resolved": "green",
}


def when(value: str | None) -> str:
    if not value:
        return "—"
    instant = datetime.fromisoformat(value).astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def minutes(value: str | None) -> str:
    """`2026-12-01 21:03` (UTC), or — when there is no time."""
    return when(value)[:16] if value else "—"


def _severity(value: str) -> Text:
    return Text(f" {value} ", style=SEVERITY_STYLE.get(value, "bold"))


def print_json(console: Console, data: Any) -> None:
    console.print_json(json.dumps(data), highlight=False)


# Below this many columns `list` leaves out services and declaration time, so that ref,
# severity, status and response stay whole on one line (80 columns leave 17 for the title).
WIDE = 140


def _one_line(text: str) -> Text:
    return Text(" ".join(text.split()), no_wrap=True, overflow="ellipsis")


def incident_table(items: list[dict[str, Any]], width: int = WIDE) -> Table:
    """One line per incident; ref, severity, status and response never wrap or shrink."""
    wide = width >= WIDE
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("Ref", no_wrap=True, min_width=24)
    table.add_column("Sev", no_wrap=True, min_width=5)
    table.add_column("Status", no_wrap=True, min_width=13)
    table.add_column("Response", no_wrap=True, min_width=9)
    # Title and services give way (cut short with …, never wrapped) when space runs out.
    table.add_column("Title", min_width=10)
    if wide:
        table.add_column("Services", max_width=30)
        table.add_column("Declared", no_wrap=True)
    for item in items:
        if item["response_breached"]:
            response = Text("breached", style="bold red")
        elif item["acknowledged_at"]:
            response = Text("ack'd")
        else:
            response = Text(f"due {when(item['response_due_at'])[11:16]}")
        row: list[Any] = [
            item["ref"],
            Text(item["severity"], style=SEVERITY_STYLE.get(item["severity"], "bold")),
            Text(item["status"], style=STATUS_STYLE.get(item["status"], "")),
            response,
            _one_line(item["title"]),
        ]
        if wide:
            row += [_one_line(", ".join(item["services"]) or "—"), when(item["declared_at"])[5:16]]
        table.add_row(*row)
    return table


def _event_text(event: dict[str, Any]) -> str:
    """The server's sentence for the event; ours for a server that sends none."""
    text = event.get("text")
    if isinstance(text, str) and text:
        return text
    return describe(str(event.get("kind", "")), event.get("data") or {})


def timeline_table(events: list[dict[str, Any]]) -> Table:
    table = Table(header_style="bold", title="Timeline", title_justify="left")
    table.add_column("Time")
    table.add_column("Actor")
    table.add_column("Event")
    for event in events:
        table.add_row(when(event["occurred_at"]), event["actor"], _event_text(event))
    return table


def incident_panel(incident: dict[str, Any]) -> Panel:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Severity", _severity(incident["severity"]))
    facts.add_row(
        "Status",
        Text(incident["status"], style=STATUS_STYLE.get(incident["status"], "")),
    )
    facts.add_row("Phase", incident["phase"])
    facts.add_row("Channel", incident["channel"])
    facts.add_row("Services", ", ".join(incident["services"]) or "—")
    if incident["summary"]:
        facts.add_row("Summary", incident["summary"])
    facts.add_row("Declared", f"{when(incident['declared_at'])} by {incident['declared_by']}")
    due = when(incident["response_due_at"])
    if incident["response_breached"]:
        facts.add_row("Response due", Text(f"{due}  BREACHED", style="bold red"))
    else:
        facts.add_row("Response due", f"{due}  (met)" if incident["acknowledged_at"] else due)
    acked = incident["acknowledged_at"]
    facts.add_row(
        "Acknowledged", f"{when(acked)} by {incident['acknowledged_by']}" if acked else "—"
    )
    facts.add_row("Mitigated", when(incident["mitigated_at"]))
    facts.add_row("Resolved", when(incident["resolved_at"]))
    if incident["resolution_summary"]:
        facts.add_row("Resolution", incident["resolution_summary"])

    roles = Table(header_style="bold", title="Roles", title_justify="left")
    roles.add_column("Role")
    roles.add_column("Person")
    for role, person in incident["roles"].items():
        roles.add_row(role, person)
    for role in incident["missing_roles"]:
        roles.add_row(Text(role, style="red"), Text("missing", style="bold red"))

    assessment = Table.grid(padding=(0, 2))
    assessment.add_column(style="bold")
    assessment.add_column()
    for key, value in incident["assessment"].items():
        if value is not None:
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            assessment.add_row(key.replace("_", " ").capitalize(), shown)

    if incident.get("phase_due_at"):
        phase_due = when(incident["phase_due_at"])
        late = Text("  OVERDUE", style="bold red") if incident["phase_overdue"] else Text("")
        facts.add_row("Phase target", Text(phase_due) + late)
    if incident.get("tasks"):
        t = incident["tasks"]
        overdue = Text(f", {t['overdue']} overdue", style="bold red") if t["overdue"] else Text("")
        facts.add_row("Tasks", Text(f"{t['done']}/{t['total']} done") + overdue)

    parts: list[Any] = [facts, Text(""), roles]
    if assessment.row_count:
        parts += [Text(""), Text("Assessment", style="bold"), assessment]
    return Panel(
        Group(*parts),
        title=f"[bold]{incident['ref']}[/bold]  {incident['title']}",
        title_align="left",
    )


def _label_counts(counts: dict[str, Any]) -> str:
    """`eu-west-1 1,200 · eu-west-2 34 · 3 more (12)`; hosts counted and the first named."""
    top = counts["top"]
    if counts["name"] == "host" and counts["values"] > 1:
        named = ", ".join(v["value"] for v in top[:3])
        more = ", …" if counts["values"] > 3 else ""
        return f"{counts['values']:,} hosts ({named}{more})"
    text = " · ".join(f"{v['value']} {v['alerts']:,}" for v in top)
    if counts["other_values"]:
        text += f" · {counts['other_values']:,} more ({counts['other_alerts']:,})"
    return text


def _alert_line(alert: dict[str, Any]) -> Text:
    return Text(f"{when(alert['first_seen_at'])}  {alert['summary']} ({alert['severity']})")


def alerts_summary(summary: dict[str, Any]) -> Table:
    """An incident's alerts as counts (`GET …/alerts/summary`), however many there are."""
    table = Table.grid(padding=(0, 2))
    table.title = f"Alerts: {summary['alerts']:,} ({summary['firing']:,} firing)"
    table.title_justify = "left"
    table.title_style = "bold"
    table.add_column(style="bold")
    table.add_column()
    for counts in summary["labels"]:
        table.add_row(counts["name"], Text(_label_counts(counts)))
    for name in ("first", "latest"):
        if summary.get(name):
            table.add_row(name, _alert_line(summary[name]))
    return table


def task_table(tasks: list[dict[str, Any]], title: str = "Tasks") -> Table:
    table = Table(header_style="bold", title=title, title_justify="left")
    for column in ("#", "Phase", "Task", "Due", "Done"):
        table.add_column(column)
    for task in tasks:
        indent = "  " if task["parent"] else ""
        due = Text(when(task["due_at"]), style="bold red" if task["overdue"] else "")
        done = f"{when(task['done_at'])} {task['done_by']}" if task["done_at"] else ""
        table.add_row(str(task["number"]), task["phase"], indent + task["text"], due, done)
    return table


def phase_table(data: dict[str, Any]) -> Table:
    table = Table(header_style="bold", title=f"Phases of {data['ref']}", title_justify="left")
    for column in ("#", "Phase", "Window", "Target", ""):
        table.add_column(column)
    for phase in data["phases"]:
        marker = Text("◀ current", style="bold") if phase["current"] else Text("")
        if phase["overdue"]:
            marker += Text(" OVERDUE", style="bold red")
        table.add_row(
            str(phase["number"] or ""),
            phase["name"],
            phase["window"],
            when(phase["due_at"]),
            marker,
        )
    return table


def playbook(data: dict[str, Any]) -> Group:
    parts: list[Any] = [Text(f"Symptoms: {'; '.join(data['symptoms']) or '—'}", style="bold")]
    if not data["suggestions"]:
        known = ", ".join(data["incident_types"]) or "none"
        parts.append(Text(f"No playbook matches yet. The runbook knows: {known}"))
    for s in data["suggestions"]:
        body = Table.grid(padding=(0, 2))
        body.add_column(style="bold")
        body.add_column()
        why = "; ".join(f"{m['symptom']!r} ← {', '.join(m['words'])}" for m in s["matched"])
        body.add_row("Matched", why)
        for block in s["investigation"]:
            body.add_row("Investigate", "\n".join(block["commands"]))
        for step in s["investigation_steps"]:
            body.add_row("Investigate", step)
        body.add_row("Resolve", "\n".join(f"- {r}" for r in s["resolution"]))
        parts.append(
            Panel(body, title=f"{s['incident_type']} (score {s['score']})", title_align="left")
        )
    if data.get("not_recorded"):
        tried = "; ".join(data["not_recorded"])
        parts.append(Text(f"Not recorded: {tried} (--record keeps them on the incident)"))
    return Group(*parts)


def change_table(changes: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(header_style="bold", title=title, title_justify="left")
    for column in ("When", "Service", "Change", "By"):
        table.add_column(column)
    for change in changes:
        table.add_row(
            when(change["occurred_at"]),
            change["service"] or "—",
            change["summary"],
            change["source"] or change["recorded_by"],
        )
    return table


def token_table(tokens: list[dict[str, Any]]) -> Table:
    """API tokens as the API lists them: never the token itself. Times in UTC."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Name")
    for column in ("Role", "Created", "Expires", "Last used", "Revoked"):
        table.add_column(column, no_wrap=True)
    for t in tokens:
        table.add_row(
            str(t["id"]),
            t["name"],
            t["role"],
            minutes(t["created_at"]),
            minutes(t["expires_at"]) if t["expires_at"] else "never",
            minutes(t["last_used_at"]) if t["last_used_at"] else "never",
            Text(minutes(t["revoked_at"]), style="red") if t["revoked_at"] else Text("—"),
        )
    return table
