"""The CLI and a real local server: it finds the server on any port, revoked tokens are
refused by every API process at once, and the server's log is plain JSON lines."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_local_server import Server, free_port, warroom

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def env(home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    return {
        **clean,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "WARROOM_DATABASE_URL": f"sqlite:///{home / 'warroom.db'}",
        "COLUMNS": "160",
    }


@pytest.fixture(scope="module")
def served(env: dict[str, str], home: Path) -> Iterator[Server]:
    """`make run PORT=…`: a server on a port that is not 8080, its log in a file."""
    assert warroom(env, "db", "upgrade").returncode == 0
    server = Server(env, stderr=home / "server.log")
    yield server
    server.stop()


def test_the_cli_uses_the_last_local_server_on_whatever_port_it_runs(
    env: dict[str, str], served: Server, home: Path
) -> None:
    assert served.port != 8080
    listed = warroom(env, "list")  # no --url, no WARROOM_URL
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "no incidents"

    stored = json.loads((home / "config" / "warroom" / "credentials.json").read_text())
    assert stored["last"] == served.url
    assert stored["servers"][served.url]["url"] == served.url

    # localhost and 127.0.0.1 are the same server: the stored token is found either way.
    alias = f"http://localhost:{served.port}"
    declared = warroom({**env, "WARROOM_URL": alias}, "declare", "sev-3", "Slow search")
    assert declared.returncode == 0, declared.stderr
    assert "Slow search" in warroom(env, "list", "--url", alias).stdout

    elsewhere = f"http://127.0.0.1:{free_port()}"
    missing = warroom(env, "list", "--url", elsewhere)
    assert missing.returncode == 1
    message = " ".join(missing.stderr.split())
    assert f"no token for {elsewhere} (from --url)" in message
    assert "--url or WARROOM_URL" in message
    assert served.url in message  # the servers it does hold tokens for


def test_the_servers_log_is_json_lines_without_colour_codes(served: Server, home: Path) -> None:
    httpx.get(f"{served.url}/nope")
    httpx.get(f"{served.url}/api/v1/incidents")  # 401
    log = (home / "server.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if line.strip()]
    assert any("Started server process" in line for line in lines)  # uvicorn's own lines
    assert "\x1b" not in log
    assert not re.search(r"\\u001b|\[3\dm|\[0m", log, re.I)
    for line in lines:
        record = json.loads(line)
        assert set(record) >= {"levelname", "name", "message"}
        assert "color_message" not in record


def _per_process(metrics: str, status: int) -> float:
    """This process's count of GET /api/v1/incidents answered with `status` (0 if none)."""
    found = re.search(
        rf'warroom_http_requests_total\{{method="GET",route="/api/v1/incidents",'
        rf'status="{status}"\}} ([0-9.]+)',
        metrics,
    )
    return float(found.group(1)) if found else 0.0


def _spread(url: str, status: int) -> set[float]:
    """What each API process counted, scraped over fresh connections (so from both)."""
    return {_per_process(httpx.get(f"{url}/metrics").text, status) for _ in range(40)}


def test_a_revoked_token_is_refused_at_once_by_every_api_process(env: dict[str, str]) -> None:
    assert warroom(env, "db", "upgrade").returncode == 0
    server = Server(env, "--processes", "2")
    try:
        admin = {"Authorization": f"Bearer {server.admin_token()}"}  # minted for its URL
        created = httpx.post(
            f"{server.url}/api/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=admin
        )
        assert created.status_code == 201, created.text
        viewer = {"Authorization": f"Bearer {created.json()['token']}"}

        def statuses() -> list[int]:
            # A connection per request: the kernel spreads them over the processes.
            return [
                httpx.get(f"{server.url}/api/v1/incidents", headers=viewer).status_code
                for _ in range(30)
            ]

        assert statuses() == [200] * 30
        # Both processes answered (each counts its own requests: neither saw all 30).
        assert all(0 < seen < 30 for seen in _spread(server.url, 200))

        revoked = httpx.delete(f"{server.url}/api/v1/tokens/{created.json()['id']}", headers=admin)
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        assert statuses() == [401] * 30  # at once, in both
        assert all(0 < seen < 30 for seen in _spread(server.url, 401))
    finally:
        server.stop()
