"""The CLI starts without its server's heavy libraries: a structural check (what gets
imported), not a timing assertion; bench/cli_startup.py measures the time."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = {
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "asyncpg",
    "apprise",
    "httpx",
    "yaml",
    "markdown_it",
    "pygments",
}
# Typer itself validates a command's parameters with pydantic (not for --help).
HEAVY_FOR_HELP = HEAVY | {"pydantic"}
PROGRAM = """
import atexit, sys
atexit.register(lambda: print("MODULES", *sorted(sys.modules), file=sys.stderr))
sys.argv = ["warroom", *sys.argv[1:]]
from warroom.cli import main
main()
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list", "--url", "http://127.0.0.1:9", "--token", "x"],
        ["show", "incident-2026-11-26-0001", "--url", "http://127.0.0.1:9", "--token", "x"],
        ["token", "list", "--url", "http://127.0.0.1:9", "--token", "x"],
    ],
)
def test_the_cli_does_not_import_the_servers_libraries(args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: no server at that address
    modules = done.stderr.rsplit("MODULES", 1)[1].split()
    assert "warroom.cli" in modules
    heavy = HEAVY_FOR_HELP if args == ["--help"] else HEAVY
    loaded = sorted({m.split(".")[0] for m in modules} & heavy)
    assert loaded == [], f"`warroom {' '.join(args)}` imported {loaded}"
