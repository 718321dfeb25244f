"""Incident verbs: thin clients of the REST API (so the CLI, web and chat cannot disagree)."""

# No `from __future__ import annotations` in the CLI's command modules: Typer would then
# evaluate every command's annotations from strings, on every start of `warroom`.

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console

from warroom.cli import render
from warroom.cli.client import ApiError, Client, resolve_target

out = Console()
err = Console(stderr=True)

Url = Annotated[
    str | None, typer.Option("--url", help="warroom server; default WARROOM_URL or the local one")
]
Token = Annotated[str | None, typer.Option("--token", help="API token; default WARROOM_TOKEN")]
Json = Annotated[bool, typer.Option("--json", help="Print the API's JSON")]
Ref = Annotated[str, typer.Argument(help="incident-YYYY-MM-DD-NNNN")]


@contextmanager
def api_session(url: str | None, token: str | None) -> Iterator[Client]:
    try:
        with Client(resolve_target(url, token)) as client:
            yield client
    except ApiError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(exc.exit_code) from None


def incident_path(ref: str, *rest: str) -> str:
    return "/".join(["/api/v1/incidents", quote(ref, safe=""), *(quote(p, safe="") for p in rest)])


def _show(data: Any, as_json: bool, draw: Callable[[Any], Any]) -> None:
    if as_json:
        render.print_json(out, data)
        return
    out.print(draw(data))
    for warning in data.get("warnings", []) if isinstance(data, dict) else []:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def declare(
    severity: Annotated[str, typer.Argument(help="sev-1..sev-4, 1..4, critical/high/medium/low")],
    title: Annotated[str, typer.Argument(help="What is wrong, as users see it")],
    service: Annotated[list[str] | None, typer.Option("--service", "-s", help="Repeatable")] = None,
    summary: Annotated[str, typer.Option(help="What is known so far")] = "",
    commander: Annotated[str | None, typer.Option(help="Incident commander (default: you)")] = None,
    symptom: Annotated[
        list[str] | None, typer.Option("--symptom", help="What you see; suggests a playbook")
    ] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Declare an incident."""
    body: dict[str, Any] = {"title": title, "severity": severity, "services": service or []}
    if symptom:
        body["symptoms"] = symptom
    if summary:
        body["summary"] = summary
    if commander:
        body["commander"] = commander
    with api_session(url, token) as api:
        incident = api.post("/api/v1/incidents", body)
        # What you saw suggests a playbook: show it now, as `playbook --symptom` does.
        wanted = symptom and not as_json
        suggested = api.get(incident_path(incident["ref"], "playbook")) if wanted else None
    _show(incident, as_json, render.incident_panel)
    if suggested is not None:
        out.print(render.playbook(suggested))


def list_(
    severity: Annotated[list[str] | None, typer.Option("--severity", help="Repeatable")] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="open (default), a status, or all")
    ] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
    since: Annotated[str | None, typer.Option("--since", help="24h, 7d or an ISO date")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """List incidents (open ones unless --status says otherwise)."""
    statuses = status or ["open"]
    params: list[tuple[str, str | int]] = [("status", s) for s in statuses if s.lower() != "all"]
    params += [("severity", s) for s in severity or []]
    if service:
        params.append(("service", service))
    if since:
        params.append(("since", since))
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    with api_session(url, token) as api:
        while len(items) < limit:
            page_params = [*params, ("limit", min(200, limit - len(items)))]
            if cursor:
                page_params.append(("cursor", cursor))
            page = api.get("/api/v1/incidents", params=page_params)
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
    if as_json:
        render.print_json(out, items)
    elif not items:
        out.print("no incidents")
    else:
        out.print(render.incident_table(items, out.width))


def show(ref: Ref, url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """Show an incident: summary, roles, due times, its alerts as counts, and its timeline."""
    with api_session(url, token) as api:
        incident = api.get(incident_path(ref))
        events: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = api.get(
                incident_path(ref, "timeline"),
                params={"limit": 1000, **({"cursor": cursor} if cursor else {})},
            )
            events += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        task_list = api.get(incident_path(ref, "tasks"))
        recent = api.get(incident_path(ref, "changes"))
        alerts = None if as_json else _alerts_summary(api, ref)
    if as_json:
        render.print_json(
            out, {**incident, "timeline": events, "task_list": task_list, "recent_changes": recent}
        )
        return
    out.print(render.incident_panel(incident))
    if alerts and alerts["alerts"]:
        out.print(render.alerts_summary(alerts))
    if recent:
        out.print(render.change_table(recent, title="Changes in the 24 h before declaration"))
    overdue = [t for t in task_list if t["overdue"]]
    if overdue:
        out.print(render.task_table(overdue, title="Overdue tasks"))
    out.print(render.timeline_table(events))


def _alerts_summary(api: Client, ref: str) -> Any:
    """The incident's alerts as counts; None from a server older than that route."""
    try:
        return api.get(incident_path(ref, "alerts", "summary"))
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def ack(ref: Ref, url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """Acknowledge an incident (stops the response clock)."""
    with api_session(url, token) as api:
        incident = api.post(incident_path(ref, "acknowledge"))
    _show(incident, as_json, render.incident_panel)


def assign(
    ref: Ref,
    role: Annotated[str, typer.Argument(help="incident_commander, engineering_lead, ...")],
    person: Annotated[str, typer.Argument()],
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Give a role to a person."""
    with api_session(url, token) as api:
        incident = api.put(incident_path(ref, "roles", role.replace("-", "_")), {"person": person})
    _show(incident, as_json, render.incident_panel)


def unassign(
    ref: Ref,
    role: Annotated[str, typer.Argument()],
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Take a role back."""
    with api_session(url, token) as api:
        incident = api.delete(incident_path(ref, "roles", role.replace("-", "_")))
    _show(incident, as_json, render.incident_panel)


def note(
    ref: Ref,
    text: Annotated[str, typer.Argument()],
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Add an internal note to the timeline."""
    with api_session(url, token) as api:
        event = api.post(incident_path(ref, "notes"), {"text": text})
    _show(event, as_json, lambda e: f"note added to {ref} at {e['occurred_at']}")


def edit(
    ref: Ref,
    title: Annotated[str | None, typer.Option()] = None,
    severity: Annotated[str | None, typer.Option()] = None,
    summary: Annotated[str | None, typer.Option()] = None,
    service: Annotated[list[str] | None, typer.Option("--service", "-s")] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Change title, severity, summary or services (due times follow the severity)."""
    body: dict[str, Any] = {
        k: v
        for k, v in {
            "title": title,
            "severity": severity,
            "summary": summary,
            "services": service,
        }.items()
        if v is not None
    }
    if not body:
        err.print("error: give at least one of --title, --severity, --summary, --service")
        raise typer.Exit(2)
    with api_session(url, token) as api:
        incident = api.patch(incident_path(ref), body)
    _show(incident, as_json, render.incident_panel)


def assess(
    ref: Ref,
    user_impact: Annotated[str | None, typer.Option(help="What is the user impact?")] = None,
    users_affected: Annotated[str | None, typer.Option(help="How many users affected?")] = None,
    system: Annotated[
        list[str] | None, typer.Option("--system", help="What systems are impacted? Repeatable")
    ] = None,
    data_at_risk: Annotated[bool | None, typer.Option("--data-at-risk/--no-data-at-risk")] = None,
    security: Annotated[bool | None, typer.Option("--security/--no-security")] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Record the runbook's assessment answers."""
    body: dict[str, Any] = {
        k: v
        for k, v in {
            "user_impact": user_impact,
            "users_affected": users_affected,
            "systems_impacted": system,
            "data_at_risk": data_at_risk,
            "security_incident": security,
        }.items()
        if v is not None
    }
    if not body:
        err.print("error: give at least one answer (see --help)")
        raise typer.Exit(2)
    with api_session(url, token) as api:
        incident = api.patch(incident_path(ref, "assessment"), body)
    _show(incident, as_json, render.incident_panel)


def status(
    ref: Ref,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="investigating, identified, monitoring")
    ],
    note_text: Annotated[str, typer.Option("--note")] = "",
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Move the incident's status (resolve has its own verb)."""
    with api_session(url, token) as api:
        incident = api.post(
            incident_path(ref, "status"), {"status": new_status.lower(), "note": note_text}
        )
    _show(incident, as_json, render.incident_panel)


def resolve(
    ref: Ref,
    summary: Annotated[str, typer.Option(help="How it was resolved (required)")],
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Resolve an incident."""
    with api_session(url, token) as api:
        incident = api.post(incident_path(ref, "resolve"), {"summary": summary})
    _show(incident, as_json, render.incident_panel)


def reopen(
    ref: Ref,
    reason: Annotated[str, typer.Option()] = "",
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Reopen a resolved incident."""
    with api_session(url, token) as api:
        incident = api.post(incident_path(ref, "reopen"), {"reason": reason})
    _show(incident, as_json, render.incident_panel)


def tasks(
    ref: Ref,
    show_all: Annotated[bool, typer.Option("--all", help="Include done and n/a tasks")] = False,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """The incident's tasks, from the runbook's phase checklists."""
    with api_session(url, token) as api:
        items = api.get(incident_path(ref, "tasks"))
    if not show_all:
        items = [t for t in items if t["applies"] and not t["done_at"]]
    _show(items, as_json, lambda rows: render.task_table(rows, title=f"Tasks of {ref}"))


task_app = typer.Typer(help="Tick off a task.", no_args_is_help=True, rich_markup_mode=None)


@task_app.command("done")
def task_done(
    ref: Ref,
    number: Annotated[int, typer.Argument(help="Task number (see `warroom tasks`)")],
    note_text: Annotated[str, typer.Option("--note")] = "",
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Mark a task done."""
    with api_session(url, token) as api:
        task = api.post(incident_path(ref, "tasks", str(number), "done"), {"note": note_text})
    _show(task, as_json, lambda t: f"task {t['number']} done: {t['text']}")


@task_app.command("undo")
def task_undo(
    ref: Ref,
    number: Annotated[int, typer.Argument()],
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Mark a done task as not done."""
    with api_session(url, token) as api:
        task = api.delete(incident_path(ref, "tasks", str(number), "done"))
    _show(task, as_json, lambda t: f"task {t['number']} reopened: {t['text']}")


def phase(
    ref: Ref,
    next_phase: Annotated[
        str | None, typer.Argument(metavar="NEXT_PHASE", help="A phase, its number, or next")
    ] = None,
    note_text: Annotated[str, typer.Option("--note")] = "",
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Show the phases and their target windows, or move to another phase."""
    with api_session(url, token) as api:
        if next_phase:
            api.post(incident_path(ref, "phase"), {"phase": next_phase, "note": note_text})
        data = api.get(incident_path(ref, "phase"))
    _show(data, as_json, render.phase_table)


def playbook(
    ref: Ref,
    symptom: Annotated[
        list[str] | None, typer.Option("--symptom", help="Also try what you see (repeatable)")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Record the --symptom values on the incident")
    ] = False,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Playbooks the runbook suggests for the incident's symptoms, and why.

    --symptom only asks; with --record the symptoms are kept on the incident (timeline)."""
    if record and not symptom:
        err.print("[red]error:[/red] --record needs at least one --symptom", highlight=False)
        raise typer.Exit(2)
    with api_session(url, token) as api:
        if record:
            data = api.post(incident_path(ref, "symptoms"), {"symptoms": symptom})
        else:
            data = api.get(
                incident_path(ref, "playbook"), {"symptom": symptom} if symptom else None
            )
    _show(data, as_json, render.playbook)


def register(app: typer.Typer) -> None:
    app.command()(tasks)
    app.add_typer(task_app, name="task")
    app.command()(phase)
    app.command()(playbook)
    for command in (
        declare,
        show,
        ack,
        assign,
        unassign,
        note,
        edit,
        assess,
        status,
        resolve,
        reopen,
    ):
        app.command()(command)
    app.command("list")(list_)
