"""The `warroom` command. Local commands (serve, db, token, config, runbook) work on this
machine; incident verbs are clients of the REST API."""

from __future__ import annotations

import typer

from warroom.cli import alerts, incidents, paging, server
from warroom.cli.runbook import runbook_app

app = typer.Typer(
    name="warroom",
    help="Incident response that runs your runbook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Rich's help formatter costs a third of startup
    add_completion=False,
)
server.register(app)
incidents.register(app)
paging.register(app)
alerts.register(app)
app.add_typer(runbook_app, name="runbook")


def main() -> None:
    app()
