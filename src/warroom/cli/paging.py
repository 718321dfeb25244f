"""Paging verbs: who is on call, what was paged, which jobs failed (API clients)."""

# No `from __future__ import annotations` in the CLI's command modules: Typer would then
# evaluate every command's annotations from strings, on every start of `warroom`.

from typing import Annotated, Any

import typer
from rich.table import Table

from warroom.cli import render
from warroom.cli.incidents import Json, Ref, Token, Url, api_session, incident_path, out


def oncall(
    schedule: Annotated[str | None, typer.Argument(help="Default: every schedule")] = None,
    at: Annotated[str | None, typer.Option("--at", help="ISO 8601 time; default now")] = None,
    upcoming: Annotated[
        str | None, typer.Option("--next", help="List the coming shifts, e.g. 7d")
    ] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Who is on call now (or --at a time), or the coming shifts (--next 7d)."""
    with api_session(url, token) as api:
        names = [schedule] if schedule else [s["name"] for s in api.get("/api/v1/schedules")]
        if upcoming:
            data: Any = {
                name: api.get(
                    f"/api/v1/schedules/{name}/shifts",
                    params={"next": upcoming, **({"from": at} if at else {})},
                )
                for name in names
            }
        else:
            params = {"at": at} if at else {}
            data = [api.get(f"/api/v1/schedules/{name}/oncall", params=params) for name in names]
    if as_json:
        render.print_json(out, data)
        return
    table = Table(header_style="bold")
    if upcoming:
        for column in ("Schedule", "Person", "From", "Until"):
            table.add_column(column)
        for name, found in data.items():
            for shift in found:
                table.add_row(
                    name, shift["person"], render.when(shift["start"]), render.when(shift["end"])
                )
    else:
        for column in ("Schedule", "On call", "At"):
            table.add_column(column)
        for row in data:
            table.add_row(row["schedule"], row["person"] or "nobody", render.when(row["at"]))
    out.print(table if table.row_count else "no schedules configured")


def override(
    schedule: Annotated[str, typer.Argument()],
    person: Annotated[str, typer.Argument(help="Who covers")],
    start: Annotated[str, typer.Option("--from", help="ISO 8601 start")],
    end: Annotated[str, typer.Option("--until", help="ISO 8601 end")],
    reason: Annotated[str, typer.Option()] = "",
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Someone covers a window of a schedule (beats every layer)."""
    body = {"person": person, "start": start, "end": end, "reason": reason}
    with api_session(url, token) as api:
        created = api.post(f"/api/v1/schedules/{schedule}/overrides", body)
    if as_json:
        render.print_json(out, created)
        return
    out.print(
        f"{person} covers {schedule} from {render.when(created['start'])} "
        f"until {render.when(created['end'])} (override {created['id']})",
        highlight=False,
    )


def pages(ref: Ref, url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """Every page sent for an incident, and what became of it."""
    with api_session(url, token) as api:
        data = api.get(incident_path(ref, "pages"))
    if as_json:
        render.print_json(out, data)
        return
    table = Table(header_style="bold", title=f"Pages of {ref}", title_justify="left")
    for column in ("Person", "Via", "Why", "Status", "Sent"):
        table.add_column(column)
    for page in data:
        table.add_row(
            page["person"],
            page["method"],
            f"{page['reason']} {page['step']}",
            page["status"],
            render.when(page["sent_at"]),
        )
    out.print(table)


def jobs(
    failed: Annotated[bool, typer.Option("--failed", help="Only jobs that gave up")] = False,
    status: Annotated[
        str | None, typer.Option(help="pending, running, done, failed, cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """The engine's jobs; --failed shows those that ran out of retries, with their error."""
    params: dict[str, Any] = {"limit": limit}
    if failed or status:
        params["status"] = "failed" if failed else status
    with api_session(url, token) as api:
        data = api.get("/api/v1/jobs", params=params)
    if as_json:
        render.print_json(out, data)
        return
    table = Table(header_style="bold")
    for column in ("Id", "Kind", "Status", "Due", "Tries", "Error"):
        table.add_column(column)
    for job in data:
        table.add_row(
            str(job["id"]),
            job["kind"],
            job["status"],
            render.when(job["due_at"]),
            f"{job['attempts']}/{job['max_attempts']}",
            (job["last_error"] or "")[:120],
        )
    out.print(table if table.row_count else "no jobs")


def register(app: typer.Typer) -> None:
    app.command()(oncall)
    app.command()(override)
    app.command()(pages)
    app.command()(jobs)
