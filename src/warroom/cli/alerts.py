"""Alert verbs: customer reports, change events, alerts and integrations (API clients)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from warroom.cli import render
from warroom.cli.incidents import Json, Token, Url, api_session, err, out


def report_problem(
    text: Annotated[str, typer.Argument(help="What the customer reported")],
    reporter: Annotated[str, typer.Option(help="Who reported it (e.g. their email)")],
    service: Annotated[str | None, typer.Option()] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Record a customer report (an alert of source customer; opens or joins an incident)."""
    body: dict[str, Any] = {"reporter": reporter, "text": text}
    if service:
        body["service"] = service
    with api_session(url, token) as api:
        result = api.post("/api/v1/reports", body)
    if as_json:
        render.print_json(out, result)
        return
    opened = result["incidents_opened"] or result["incidents_attached"]
    where = f" → {', '.join(opened)}" if opened else " (recorded; no incident)"
    out.print(f"report recorded{where}", highlight=False)


def changes(
    service: Annotated[str | None, typer.Option()] = None,
    since: Annotated[str | None, typer.Option(help="24h, 7d or an ISO date")] = "24h",
    record: Annotated[
        str | None, typer.Option("--record", help="Record a change with this summary")
    ] = None,
    source: Annotated[str | None, typer.Option(help="With --record: who made it")] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Deploys and config changes per service (runbook: check recent deployments)."""
    with api_session(url, token) as api:
        if record:
            if not service:
                out.print("error: --record needs --service")
                raise typer.Exit(2)
            api.post("/api/v1/changes", {"service": service, "summary": record, "source": source})
        params = {k: v for k, v in {"service": service, "since": since}.items() if v}
        data = api.get("/api/v1/changes", params=params)
    if as_json:
        render.print_json(out, data)
        return
    out.print(render.change_table(data) if data else "no changes")


def alerts(
    status: Annotated[str | None, typer.Option(help="firing or resolved")] = None,
    service: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Alerts received, newest first, with the incident each one opened or joined."""
    params: dict[str, Any] = {"limit": limit}
    params |= {k: v for k, v in {"status": status, "service": service}.items() if v}
    with api_session(url, token) as api:
        data = api.get("/api/v1/alerts", params=params)
    if as_json:
        render.print_json(out, data)
        return
    table = Table(header_style="bold")
    for column in ("Source", "Summary", "Severity", "Status", "Seen", "×", "Incident"):
        table.add_column(column)
    for alert in data:
        table.add_row(
            alert["source"],
            alert["summary"],
            alert["severity"],
            alert["status"],
            render.when(alert["last_seen_at"]),
            str(alert["occurrences"]),
            alert["incident"] or "—",
        )
    out.print(table if table.row_count else "no alerts")


integrations_app = typer.Typer(
    help="Alert senders and their keys.", no_args_is_help=True, rich_markup_mode=None
)


@integrations_app.command("create")
def integration_create(
    name: Annotated[str, typer.Argument()],
    kind: Annotated[str, typer.Option(help="alertmanager, pagerduty, datadog, grafana, generic")],
    service: Annotated[str | None, typer.Option(help="Service for alerts naming none")] = None,
    resolve_timeout: Annotated[
        str | None,
        typer.Option(
            help="Stale timeout: resolve alerts not re-sent for this long (off by default; "
            "must exceed the sender's repeat interval, 4h for Alertmanager)"
        ),
    ] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Create an integration; prints its key and the URL its kind sends to, once."""
    body = {"name": name, "kind": kind, **({"service": service} if service else {})}
    if resolve_timeout:
        body["resolve_timeout"] = resolve_timeout
    with api_session(url, token) as api:
        created = api.post("/api/v1/integrations", body)
    if as_json:
        render.print_json(out, created)
        return
    out.print(f"key (shown once): {created['key']}", highlight=False)
    for label, target in created["urls"].items():
        out.print(f"  {label}: {target}", highlight=False)
    if created["kind"] == "pagerduty":
        out.print("  (the key is the routing_key of each event)", highlight=False)
    for warning in created.get("warnings", []):
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


@integrations_app.command("list")
def integration_list(url: Url = None, token: Token = None, as_json: Json = False) -> None:
    with api_session(url, token) as api:
        data = api.get("/api/v1/integrations")
    if as_json:
        render.print_json(out, data)
        return
    table = Table(header_style="bold")
    for column in ("Name", "Kind", "Service", "From", "Revoked"):
        table.add_column(column)
    for item in data:
        table.add_row(
            item["name"],
            item["kind"],
            item["service"] or "—",
            "config" if item["from_config"] else "api",
            render.when(item["revoked_at"]),
        )
    out.print(table if table.row_count else "no integrations")


@integrations_app.command("revoke")
def integration_revoke(
    name: Annotated[str, typer.Argument()], url: Url = None, token: Token = None
) -> None:
    """Revoke an integration: its key stops working at once."""
    with api_session(url, token) as api:
        api.delete(f"/api/v1/integrations/{name}")
    out.print(f"revoked {name}", highlight=False)


@integrations_app.command("restore")
def integration_restore(
    name: Annotated[str, typer.Argument()], url: Url = None, token: Token = None
) -> None:
    """Undo a revocation: the integration's key works again."""
    with api_session(url, token) as api:
        api.post(f"/api/v1/integrations/{name}/restore")
    out.print(f"restored {name}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report-problem")(report_problem)
    app.command()(changes)
    app.command()(alerts)
    app.add_typer(integrations_app, name="integrations")
