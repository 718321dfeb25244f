"""Commands that run on the machine itself: serve, worker, db upgrade, config validate.

Their heavy imports (SQLAlchemy, pydantic, the app) happen inside the commands, so that
`warroom --help` and the API-client verbs start without them."""

# No `from __future__ import annotations` in the CLI's command modules: Typer would then
# evaluate every command's annotations from strings, on every start of `warroom`.

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from warroom.engine.rules import LEASE  # pure and light

if TYPE_CHECKING:
    from warroom.config import Config, Settings
    from warroom.db import Database

out = Console()
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Default: WARROOM_DATABASE_URL, else a local SQLite file"),
]
ConfigFile = Annotated[
    Path | None, typer.Option("--config", help="YAML config; default: WARROOM_CONFIG")
]


def _settings(database_url: str | None, config: Path | None = None) -> "Settings":
    from warroom.config import Settings

    settings = Settings()
    if database_url:
        settings.database_url = database_url
    if config:
        settings.config = config
    return settings


def _load_config(path: Path | None) -> "Config":
    from warroom.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)
        err.print("refusing to start: the configuration is invalid")
        raise typer.Exit(2) from None


def _migrated(database_url: str) -> "Database":
    from warroom import migrations
    from warroom.db import Database

    db = Database(database_url)
    if not migrations.is_current(db):
        err.print("the database schema is not current; run `warroom db upgrade` first")
        raise typer.Exit(1)
    return db


def _client_url(host: str, port: int) -> str:
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{host}:{port}"


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secret_key(host: str | None = None) -> None:
    """Exit 2 unless WARROOM_SECRET_KEY is usable. A server listening only on this
    machine's loopback (as `make run` does) gets a key generated into the credentials
    file; the processes it starts inherit it through the environment."""
    from warroom.auth.links import SECRET_ENV, MissingSecretKeyError, signing_key

    if not os.environ.get(SECRET_ENV) and host is not None and _is_loopback(host):
        from warroom.auth.credentials import local_secret_key

        os.environ[SECRET_ENV] = local_secret_key()
    try:
        signing_key()
    except MissingSecretKeyError as exc:
        err.print(f"error: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def ensure_local_admin_token(db: "Database", url: str) -> tuple[str | None, Path]:
    """Reuse the stored admin token if this database knows it; otherwise mint and store one.
    Either way this server becomes the last local one, which the CLI then talks to.
    Returns the new token (None when reused) and where it is stored."""
    from warroom.auth import service as auth
    from warroom.auth.credentials import credentials_path, mark_started, store_token, stored_token
    from warroom.clock import SystemClock

    path = credentials_path()
    existing = stored_token(url, path)
    now = SystemClock().now()
    with db.write() as session:
        if existing and auth.token_is_valid(session, existing, now):
            mark_started(url, path)
            return None, path
        token = auth.create_token(session, name="admin", role="admin", now=now)
    store_token(url, token, "admin", path)
    return token, path


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8080,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Run a job worker in each API process (default: yes on SQLite, no on PostgreSQL)",
        ),
    ] = None,
    processes: Annotated[
        int,
        typer.Option(
            help="API processes sharing the port; one process uses at most one core",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Run the API server (and, on SQLite, the job worker in the same process)."""
    from warroom import serving

    settings = _settings(database_url, config)
    _load_config(settings.config)  # refuse to start on a bad file, before any process does
    require_secret_key(host)
    db = _migrated(settings.database_url)
    url = _client_url(host, port)
    token, path = ensure_local_admin_token(db, url)
    if token and sys.stdout.isatty():
        print(f"Admin token for {url} (shown once, saved to {path}):\n{token}", flush=True)
    elif token:  # stdout may be a log (systemd's journal): the token stays in the file
        print(f"Admin token for {url} saved to {path}", flush=True)
    else:
        print(f"Using the admin token saved in {path}", flush=True)
    with_worker = worker if worker is not None else not db.concurrent_writers
    db.dispose()
    # The API processes read what they serve from the environment (uvicorn starts them
    # from an import string): what the options said, as the variables say it.
    os.environ["WARROOM_DATABASE_URL"] = settings.database_url
    if settings.config is not None:
        os.environ["WARROOM_CONFIG"] = str(settings.config.resolve())
    os.environ[serving.WORKER_ENV] = "1" if with_worker else "0"
    print(f"warroom listening on {url}", flush=True)
    serving.run(host, port, processes)


def worker(
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle", min=0.01)] = 0.2,
    lease: Annotated[
        float,
        typer.Option(help="Seconds a claimed job stays this worker's without a heartbeat", min=1),
    ] = LEASE.total_seconds(),
) -> None:
    """Run due jobs (pages, escalations, reminders). Run as many as you like on PostgreSQL."""
    import signal
    import threading
    from datetime import timedelta

    from warroom.clock import SystemClock
    from warroom.observability import configure_logging
    from warroom.workers import make_worker

    settings = _settings(database_url, config)
    cfg = _load_config(settings.config)
    require_secret_key()
    db = _migrated(settings.database_url)
    configure_logging(settings.log_level)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    make_worker(
        db, cfg, SystemClock(), poll_seconds=poll, lease=timedelta(seconds=lease)
    ).run_forever(stop)


db_app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=None)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply all migrations (creates the SQLite file if needed)."""
    from warroom import migrations
    from warroom.db import Database

    db = Database(_settings(database_url).database_url)
    migrations.upgrade(db)
    out.print(f"database at revision {migrations.current(db.engine)}", highlight=False)


config_app = typer.Typer(help="Configuration as code.", no_args_is_help=True, rich_markup_mode=None)


@config_app.command("validate")
def config_validate(file: Annotated[Path, typer.Argument(help="YAML config file")]) -> None:
    """Check a config file; errors are printed as FILE:LINE: key: message (exit 2).

    A secret not set in this environment is a warning here (the server may have it); the
    server refuses to start without it."""
    from warroom.config import ConfigError, ConfigProblem, load_config

    warnings: list[ConfigProblem] = []
    try:
        cfg = load_config(file, warnings=warnings)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for warning in warnings:
        err.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    out.print(
        f"{file}: ok ({len(cfg.services)} services, {len(cfg.teams)} teams, "
        f"{len(cfg.people)} people)",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    from warroom.cli.tokens import token_app

    app.command()(serve)
    app.command()(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(token_app, name="token")
    app.add_typer(config_app, name="config")
