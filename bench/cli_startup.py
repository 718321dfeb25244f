"""CLI start-up: how long `warroom --help` and `warroom list` take, as a user runs them.

Starts `warroom serve` on a free port (SQLite in a temporary directory, credentials in a
temporary config dir), declares a few incidents, then runs each command `--runs` times as
a new process and prints the median, min and max wall time and the median CPU time
(user + system) of the process. `list` names no server: it finds the local one. Target
(issue 11): both under 0.5 s.

    .venv/bin/python bench/cli_startup.py [--runs 15] [--before /path/to/other/bin/warroom]

`--before` times another build's `warroom` the same way (with WARROOM_URL set, as an older
CLI does not find the server by itself), for a before/after figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

WARROOM = str(Path(sys.executable).parent / "warroom")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _measure(label: str, command: list[str], env: dict[str, str], runs: int) -> None:
    _timed(command, env)  # warm the page cache and the bytecode cache
    samples = [_timed(command, env) for _ in range(runs)]
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    print(
        f"{label:<34} median {statistics.median(walls):.3f} s "
        f"(min {min(walls):.3f}, max {max(walls):.3f}); "
        f"CPU median {statistics.median(cpus):.3f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", help="another build's warroom executable to time too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        env |= {
            "XDG_CONFIG_HOME": f"{tmp}/config",
            "XDG_DATA_HOME": f"{tmp}/data",
            "WARROOM_DATABASE_URL": f"sqlite:///{tmp}/warroom.db",
            "COLUMNS": "80",
        }
        subprocess.run([WARROOM, "db", "upgrade"], env=env, check=True, capture_output=True)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [WARROOM, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("warroom listening on"):
                    break
            # Not a terminal: serve keeps the admin token in the credentials file only.
            stored = json.loads(Path(f"{tmp}/config/warroom/credentials.json").read_text())
            token = stored["servers"][url]["token"]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
                for n, severity in enumerate(["sev-1", "sev-2", "sev-3", "sev-2", "sev-4"]):
                    api.post(
                        "/api/v1/incidents",
                        json={"title": f"Checkout errors in region {n}", "severity": severity},
                    ).raise_for_status()

            print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
            _measure("warroom --help", [WARROOM, "--help"], env, args.runs)
            _measure("warroom list (finds the server)", [WARROOM, "list"], env, args.runs)
            if args.before:
                before_env = {**env, "WARROOM_URL": url}
                _measure("before: warroom --help", [args.before, "--help"], before_env, args.runs)
                _measure("before: warroom list", [args.before, "list"], before_env, args.runs)
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
