"""`warroom runbook lint|show`: check a Markdown runbook and see the policy warroom reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from warroom.runbooks.durations import format_duration  # pure and light

if TYPE_CHECKING:  # the parser (markdown-it, pydantic) loads when a command runs
    from warroom.runbooks.model import ChecklistItem, PhaseWindow, Runbook, SeverityLevel
    from warroom.runbooks.parser import ParseResult

runbook_app = typer.Typer(
    name="runbook",
    help="Check a Markdown runbook and show the policy warroom reads from it.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2

FileArg = Annotated[Path, typer.Argument(help="The Markdown runbook", show_default=False)]


def _parse(file: Path) -> ParseResult:
    from warroom.runbooks.parser import parse_runbook

    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"{file}: cannot read: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    return parse_runbook(raw)


@runbook_app.command("lint")
def lint_command(file: FileArg) -> None:
    """Print what the parser could not understand; exit 1 if there are errors."""
    result = _parse(file)
    for finding in result.findings:
        typer.echo(finding.format(str(file)))
    errors, warnings = len(result.errors), len(result.warnings)
    typer.echo(f"{file}: {errors} error(s), {warnings} warning(s)", err=True)
    raise typer.Exit(EXIT_ERRORS if errors else EXIT_OK)


def _duration(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else ""


def _response(level: SeverityLevel) -> str:
    return "next business day" if level.next_business_day else _duration(level.response_time) or "-"


def _window(window: PhaseWindow) -> str:
    if window.kind == "range":
        return f"{_duration(window.start)} - {_duration(window.end)} after {window.anchor}"
    if window.kind == "within":
        return f"within {_duration(window.end)} of {window.anchor}"
    if window.kind == "immediate":
        return f"immediately at {window.anchor}"
    if window.kind == "ongoing":
        return "throughout the incident"
    return "-"


def _severities(names: list[str] | None) -> str:
    return "all" if names is None else ", ".join(names)


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    """Cells are plain Text: runbook text like "[SEV-1]" must not be read as Rich markup."""
    table = Table(title=escape(title), title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _item_rows(items: list[ChecklistItem], depth: int = 0) -> list[str]:
    rows: list[str] = []
    for item in items:
        mark = "[ ]" if item.checkbox else "-"
        auto = f"  (warroom ticks it: {item.done_when})" if item.done_when else ""
        rows.append(f"{'  ' * depth}{mark} {item.text}{auto}")
        rows.extend(_item_rows(item.children, depth + 1))
    return rows


def _render(runbook: Runbook, console: Console) -> None:
    console.print(Text(runbook.title, style="bold"))
    meta = runbook.metadata
    console.print(
        f"version {meta.version or '-'} · owner {meta.owner or '-'} · "
        f"updated {meta.last_updated or meta.last_updated_text or '-'}"
    )

    console.print(
        _table(
            "Severities",
            ("Rank", "Name", "Aliases", "Response", "Description", "Example"),
            [
                (
                    str(lv.rank),
                    lv.name,
                    ", ".join(lv.aliases),
                    _response(lv),
                    lv.description,
                    lv.example,
                )
                for lv in runbook.severities
            ],
        )
    )
    console.print(
        _table(
            "Phases",
            ("#", "Phase", "Window", "Tasks", "Questions"),
            [
                (
                    str(p.number or ""),
                    p.name,
                    _window(p.window),
                    str(len(p.tasks())),
                    str(len(p.questions)),
                )
                for p in runbook.phases
            ],
        )
    )
    for phase in runbook.phases:
        rows = [(c.title, "\n".join(_item_rows(c.items))) for c in phase.checklists]
        if phase.questions:
            rows.append(("Questions", "\n".join(f"? {q}" for q in phase.questions)))
        if rows:
            console.print(_table(f"Phase {phase.number}: {phase.name}", ("List", "Items"), rows))
    console.print(
        _table(
            "Roles",
            ("Role", "Label", "Severities"),
            [(r.role, r.label, _severities(r.severities)) for r in runbook.roles],
        )
    )
    when = {"at": "at {after}", "every": "every {every}", "on_resolve": "on resolution"}
    console.print(
        _table(
            "Update cadence",
            ("Audience", "Severities", "When", "Message"),
            [
                (
                    c.audience,
                    _severities(c.severities),
                    when[r.trigger].format(after=_duration(r.after), every=_duration(r.every)),
                    r.message,
                )
                for c in runbook.communication.cadences
                for r in c.rules
            ],
        )
    )
    template = runbook.communication.template
    if template is not None:
        console.print(
            _table(
                "Update template",
                ("Field", "Kind", "Options / hint"),
                [(f.name, f.kind, " / ".join(f.options) or f.placeholder) for f in template.fields],
            )
        )
    escalation = runbook.escalation
    console.print(
        _table(
            f"Escalation ({escalation.source})",
            ("After", "Action", "Target", "Severities"),
            [
                (_duration(s.after), s.verb, s.target, _severities(s.severities))
                for s in escalation.steps
            ],
        )
    )
    console.print(
        _table(
            "Incident types",
            ("Type", "Symptoms", "Resolution"),
            [
                (t.name, "\n".join(t.symptoms), "\n".join(t.resolution))
                for t in runbook.incident_types
            ],
        )
    )
    console.print(
        _table(
            "Actions",
            ("Name", "Kind", "Command", "Parameters"),
            [
                (
                    a.name,
                    a.kind,
                    a.script,
                    ", ".join(
                        f"{p.name}: {p.type} = {p.default}"
                        if p.default is not None
                        else f"{p.name}: {p.type}"
                        for p in a.parameters
                    ),
                )
                for a in runbook.actions
            ],
        )
    )


@runbook_app.command("show")
def show_command(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the model as JSON")] = False,
) -> None:
    """Show the policy read from the runbook (severities, phases, escalation, actions...)."""
    result = _parse(file)
    if as_json:
        typer.echo(result.runbook.model_dump_json(indent=2))
    else:
        _render(result.runbook, Console(highlight=False))
    if result.errors:
        typer.echo(
            f"{file}: {len(result.errors)} error(s); run `warroom runbook lint {file}`", err=True
        )
