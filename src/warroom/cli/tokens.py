"""`warroom token create|list|revoke`: through the API of the server named by --url or
WARROOM_URL (with an admin token), or on the local database when no server is named."""

# No `from __future__ import annotations` in the CLI's command modules: Typer would then
# evaluate every command's annotations from strings, on every start of `warroom`.

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from warroom.cli import render
from warroom.cli.client import named_url
from warroom.cli.incidents import Json, Token, Url, api_session, err, out

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Local database, when no server is named (default: WARROOM_DATABASE_URL)",
    ),
]

token_app = typer.Typer(
    help="API tokens: on the server named by --url/WARROOM_URL (needs an admin token), "
    "else in the local database.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@contextmanager
def _local(database_url: str | None) -> Iterator[Any]:
    """The local database, for when no server is named; domain errors as exit codes."""
    from warroom import migrations
    from warroom.config import Settings
    from warroom.db import Database
    from warroom.errors import WarroomError

    settings = Settings()
    db = Database(database_url or settings.database_url)
    try:
        if not migrations.is_current(db):
            err.print("the database schema is not current; run `warroom db upgrade` first")
            raise typer.Exit(1)
        yield db
    except WarroomError as exc:
        where = f"--{exc.field}: " if exc.field and exc.status == 422 else ""
        err.print(f"[red]error:[/red] {where}{exc.message}", highlight=False)
        raise typer.Exit(2 if exc.status == 422 else 1) from None
    finally:
        db.dispose()


def _on_server_or_here(
    url: str | None,
    token: str | None,
    database_url: str | None,
    remote: Callable[[Any], Any],
    local: Callable[[Any], Any],
) -> Any:
    """Run `remote(api)` on the named server, else `local(db)` on this machine's database."""
    if named_url(url):
        if database_url:
            err.print("error: --database-url is for the local database; do not name a server too")
            raise typer.Exit(2)
        with api_session(url, token) as api:
            return remote(api)
    with _local(database_url) as db:
        return local(db)


def _now() -> Any:
    from warroom.clock import SystemClock

    return SystemClock().now()


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Owner; shown as the actor on the timeline")],
    role: Annotated[str, typer.Option(help="admin, responder or viewer")] = "responder",
    expires: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 90d or 12h (default: never expires)")
    ] = None,
    url: Url = None,
    token: Token = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Create a token and print it (alone, on stdout). It is shown this once."""
    body = {"name": name, "role": role, "expires": expires}

    def here(db: Any) -> Any:
        from warroom.auth import service

        return service.create(db, name=name, role=role, expires=expires, now=_now()).model_dump(
            mode="json"
        )

    created = _on_server_or_here(
        url, token, database_url, lambda api: api.post("/api/v1/tokens", body), here
    )
    if as_json:
        render.print_json(out, created)
        return
    print(created["token"])
    if created["expires_at"]:
        err.print(f"expires {render.when(created['expires_at'])}", highlight=False)


@token_app.command("list")
def token_list(
    url: Url = None,
    token: Token = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Every token: name, role, created, expires, last used, revoked (never the token)."""

    def here(db: Any) -> Any:
        from warroom.auth import service

        return [t.model_dump(mode="json") for t in service.list_tokens(db)]

    tokens = _on_server_or_here(
        url, token, database_url, lambda api: api.get("/api/v1/tokens"), here
    )
    if as_json:
        render.print_json(out, tokens)
    else:
        out.print(render.token_table(tokens) if tokens else "no tokens")


@token_app.command("revoke")
def token_revoke(
    which: Annotated[str, typer.Argument(metavar="TOKEN", help="Its id, or its name")],
    url: Url = None,
    token: Token = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Revoke a token: every API process refuses it from now on."""
    from urllib.parse import quote

    def here(db: Any) -> Any:
        from warroom.auth import service

        try:
            by = f"{getpass.getuser()} (local)"
        except (OSError, KeyError):
            by = "a local user"
        return service.revoke(db, which, now=_now(), by=by).model_dump(mode="json")

    revoked = _on_server_or_here(
        url,
        token,
        database_url,
        lambda api: api.delete(f"/api/v1/tokens/{quote(which, safe='')}"),
        here,
    )
    if as_json:
        render.print_json(out, revoked)
        return
    out.print(
        f"token {revoked['id']} ({revoked['name']}, {revoked['role']}) revoked "
        f"{render.when(revoked['revoked_at'])}",
        highlight=False,
    )
