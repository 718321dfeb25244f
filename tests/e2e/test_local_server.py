"""`warroom` as `make run` uses it: real processes, a real SQLite file, the stored token."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
WARROOM = str(Path(sys.executable).parent / "warroom")
STARTUP_SECONDS = 180  # a condition, not a speed: how long we wait before calling it broken


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    return {
        **clean,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'warroom.db'}",
        "COLUMNS": "160",
    }


def warroom(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WARROOM, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


class Server:
    def __init__(
        self,
        env: dict[str, str],
        *args: str,
        port: int | None = None,
        stderr: Path | None = None,
    ) -> None:
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with (stderr or Path(os.devnull)).open("ab") as errors:
            self.process = subprocess.Popen(
                [WARROOM, "serve", "--port", str(self.port), *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        self.lines: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("warroom listening on"):
                break
        # Generous: several processes importing warroom on a loaded 2-core machine took 48 s.
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.lines}")

    def admin_token(self) -> str:
        """The admin token `serve` stored for this server (it prints it only on a tty)."""
        path = Path(self.env["XDG_CONFIG_HOME"]) / "warroom" / "credentials.json"
        return str(json.loads(path.read_text())["servers"][self.url]["token"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


@pytest.fixture
def started(env: dict[str, str]) -> Iterator[Server]:
    assert warroom(env, "db", "upgrade").returncode == 0
    server = Server(env)
    yield server
    server.stop()


def test_first_start_prints_and_stores_an_admin_token_the_cli_then_uses(
    env: dict[str, str], started: Server, tmp_path: Path
) -> None:
    credentials = tmp_path / "config" / "warroom" / "credentials.json"
    # Not a terminal (as under systemd, whose journal keeps stdout): the token is only
    # in the 0600 file, never in the output.
    assert started.lines[0] == f"Admin token for {started.url} saved to {credentials}"
    stored = json.loads(credentials.read_text())
    token = stored["servers"][started.url]["token"]
    assert token.startswith("wr_")
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert token not in "\n".join(started.lines)
    assert len(stored["secret_key"]) >= 32  # loopback: the ack-link key was made here

    declared = warroom(
        {**env, "WARROOM_URL": started.url},
        "declare",
        "sev-1",
        "Checkout API returns 500s",
        "--service",
        "api-service",
        "--json",
    )
    assert declared.returncode == 0, declared.stderr
    incident = json.loads(declared.stdout)
    assert incident["declared_by"] == "admin"
    assert incident["response_due_at"] is not None

    shown = warroom({**env, "WARROOM_URL": started.url}, "show", incident["ref"])
    assert shown.returncode == 0
    assert "Checkout API returns 500s" in shown.stdout


def test_restart_reuses_the_stored_token_without_printing_it(
    env: dict[str, str], started: Server
) -> None:
    token = started.admin_token()
    started.stop()
    again = Server(env, port=started.port)
    try:
        assert again.lines[0].startswith("Using the admin token saved in")
        assert token not in "\n".join(again.lines)
        listed = warroom({**env, "WARROOM_URL": again.url, "WARROOM_TOKEN": token}, "list")
        assert listed.returncode == 0
    finally:
        again.stop()


def test_token_create_prints_the_token_alone(env: dict[str, str], started: Server) -> None:
    created = warroom(env, "token", "create", "--role", "viewer", "--name", "victor")
    assert created.returncode == 0
    token = created.stdout.strip()
    assert created.stdout == token + "\n"
    response = httpx.get(
        f"{started.url}/api/v1/incidents", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    bad = warroom(env, "token", "create", "--role", "emperor", "--name", "x")
    assert bad.returncode == 2
    assert "accepted: viewer, responder, admin" in bad.stderr


def test_invalid_config_refuses_to_start_and_says_where(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert warroom(env, "db", "upgrade").returncode == 0
    config = tmp_path / "warroom.yaml"
    config.write_text("services:\n  - name: api-service\n    tier: high\n")
    served = warroom(env, "serve", "--port", str(free_port()), "--config", str(config))
    assert served.returncode == 2
    assert f"{config}:3: services[0].tier:" in served.stderr
    assert "refusing to start" in served.stderr
    validated = warroom(env, "config", "validate", str(config))
    assert validated.returncode == 2
    assert f"{config}:3: services[0].tier:" in validated.stderr
    config.write_text("services:\n  - name: api-service\n    tier: 1\n")
    assert "ok (1 services" in warroom(env, "config", "validate", str(config)).stdout


def test_serve_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    served = warroom(env, "serve", "--port", str(free_port()))
    assert served.returncode == 1
    assert "warroom db upgrade" in served.stderr


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def test_several_api_processes_share_the_port_and_the_sqlite_file(
    env: dict[str, str],
) -> None:
    assert warroom(env, "db", "upgrade").returncode == 0
    server = Server(env, "--processes", "2")
    try:
        assert len(_children(server.process.pid)) >= 2
        admin = {"Authorization": f"Bearer {server.admin_token()}"}
        created = httpx.post(
            f"{server.url}/api/v1/integrations",
            json={"name": "prom", "kind": "generic"},
            headers=admin,
        ).json()
        url = f"{server.url}/api/v1/integrations/{created['key']}/generic"

        def send(n: int) -> int:
            # A connection each: the kernel spreads them over the processes.
            body = {"title": "Disk full", "severity": "warning", "dedup_key": f"disk-{n % 5}"}
            with httpx.Client() as client:
                return sum(client.post(url, json=body).status_code == 202 for _ in range(20))

        with ThreadPoolExecutor(16) as pool:
            assert sum(pool.map(send, range(16))) == 320
        # The key lookup is cached per process; both processes answered the new key.
        listed = httpx.get(f"{server.url}/api/v1/alerts", headers=admin).json()
        expected = Counter(f"disk-{n % 5}" for n in range(16) for _ in range(20))
        assert {a["dedup_key"]: a["occurrences"] for a in listed} == expected

        # An API process that dies is replaced; the others answer meanwhile.
        victim = _children(server.process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            alive = [pid for pid in _children(server.process.pid) if pid != victim]
            if len(alive) >= 2:
                break
            time.sleep(0.2)
        assert len(alive) >= 2
        assert httpx.get(f"{server.url}/readyz").status_code == 200
    finally:
        server.stop()
    assert _children(server.process.pid) == []
