"""Fuzzing a real `warroom serve` over HTTP: schemathesis over `/openapi.json`, and a
mutation fuzzer over the intake endpoints (issue 12).

Shared by `tests/e2e/test_fuzz.py` (bounded, in CI) and `bench/fuzz.py` (the figures).
A target is a fresh database (SQLite file or PostgreSQL), migrated and given an admin
token and one integration per kind through the CLI and the API, as an operator would,
served by a real process whose log is kept for inspection.
"""

from __future__ import annotations

import copy
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
KINDS = ("alertmanager", "grafana", "datadog", "generic", "pagerduty")
# What schemathesis checks: no 5xx, every status code and body as the schema declares.
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


@dataclass
class Target:
    """A running server with a token and one integration key per kind."""

    url: str
    token: str
    keys: dict[str, str]
    log: Path
    env: dict[str, str]

    def server_errors_logged(self) -> list[str]:
        """The server's log lines about unhandled errors (answered 500)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if "unhandled error" in line]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "warroom"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"warroom {' '.join(args)} failed: {done.stderr}")
    return done.stdout


@contextmanager
def serve(database_url: str, workdir: Path, processes: int = 1) -> Iterator[Target]:
    """A migrated database served by `warroom serve` (`processes` API processes), with a
    token and integrations."""
    workdir.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env = {
        **clean,
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "XDG_DATA_HOME": str(workdir / "data"),
        "WARROOM_DATABASE_URL": database_url,
        # The access log on, so that the log scan sees every request's path redacted.
        "WARROOM_ACCESS_LOG": "true",
    }
    _run(env, "db", "upgrade")
    token = _run(env, "token", "create", "--role", "admin", "--name", "fuzz").strip()
    token = token.splitlines()[-1].strip()
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "warroom"), "serve", "--port", str(port), "--processes", str(processes)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        headers = {"Authorization": f"Bearer {token}"}
        keys = {}
        for kind in KINDS:
            created = httpx.post(
                f"{url}/api/v1/integrations",
                json={"name": f"fuzz-{kind}", "kind": kind},
                headers=headers,
                timeout=60,
            )
            created.raise_for_status()
            keys[kind] = created.json()["key"]
        yield Target(url, token, keys, log, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"warroom serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("warroom serve did not answer /healthz in 120 s")


# --- schemathesis -----------------------------------------------------------------------


@dataclass
class Tally:
    """Requests per endpoint (`METHOD /path`), and those answered 5xx."""

    cases: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def count(self, endpoint: str, status: int) -> None:
        self.cases[endpoint] += 1
        if status >= 500:
            self.server_errors[endpoint] += 1


def _config(target: Target) -> str:
    """schemathesis.toml: the intake operations use the target's real keys, so that they
    are fuzzed past "unknown integration key"."""
    sections = []
    for kind in ("alertmanager", "grafana", "datadog", "generic"):
        sections.append(
            f'[[operations]]\ninclude-path = "/api/v1/integrations/{{key}}/{kind}"\n'
            f'parameters = {{ "path.key" = "{target.keys[kind]}" }}\n'
        )
    for path in ("/v2/enqueue", "/v2/change/enqueue"):
        sections.append(
            f'[[operations]]\ninclude-path = "{path}"\n'
            f'parameters = {{ "body.routing_key" = "{target.keys["pagerduty"]}" }}\n'
        )
    return "\n".join(sections)


def run_schemathesis(
    target: Target,
    workdir: Path,
    *,
    seed: int,
    max_examples: int,
    phases: str = "examples,coverage,fuzzing",
    checks: str = CHECKS,
) -> Tally:
    """`st run` against the target; every request it made, and every failed check."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(_config(target))
    report = workdir / "schemathesis.ndjson"
    command = [
        str(BIN / "st"),
        "--config-file",
        str(config),
        "run",
        f"{target.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {target.token}",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--phases",
        phases,
        "--checks",
        checks,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "60",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=3600, check=False, cwd=workdir
    )
    (workdir / "schemathesis.out").write_text(done.stdout + done.stderr)
    tally = _read_report(report)
    if done.returncode not in (0, 1):
        tally.failures.append(f"schemathesis exited with {done.returncode}: {done.stdout[-2000:]}")
    elif done.returncode == 1 and not tally.failures:
        tally.failures.append(f"schemathesis reported a problem: {done.stdout[-2000:]}")
    return tally


def _read_report(report: Path) -> Tally:
    tally = Tally()
    if not report.exists():
        tally.failures.append("schemathesis wrote no report")
        return tally
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished or not finished.get("recorder"):
            continue
        recorder = finished["recorder"]
        label = recorder["label"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            response = interaction.get("response") or {}
            endpoint = label
            if label == "Stateful tests":
                endpoint = f"{interaction['request']['method']} (stateful)"
            tally.count(endpoint, int(response.get("status_code", 0)))
            for check in recorder.get("checks", {}).get(case_id, []):
                if check.get("status") == "failure":
                    tally.failures.append(
                        f"{endpoint}: {check['name']} failed "
                        f"({response.get('status_code')}) on "
                        f"{interaction['request']['method']} {interaction['request']['uri']}"
                    )
    return tally


# --- a mutation fuzzer over the intake endpoints ---------------------------------------

# What schemathesis does not try: values past the databases' limits.
NASTY: list[Any] = [
    "\x00",
    "a\x00b",
    "x" * 301,
    "y" * 1_001,
    "z" * 10_001,
    "\ud800",
    2**31,
    2**63 + 1,
    -(2**63) - 1,
    10**40,
    1e308,
    -1,
    0,
    None,
    True,
    [],
    {},
    {"\x00": "\x00"},
    ["\x00"],
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "  ",
]


def _alert(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "status": rng.choice(["firing", "resolved"]),
        "labels": {"alertname": f"Fuzz{n}", "severity": "critical", "service": "fuzz"},
        "annotations": {"summary": f"fuzz alert {n}"},
        "startsAt": "2026-12-01T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"fuzz-{n}",
    }


def _base(kind: str, rng: random.Random, routing_key: str) -> dict[str, Any]:
    n = rng.randrange(1000)
    if kind in ("alertmanager", "grafana"):
        body: dict[str, Any] = {
            "version": "4" if kind == "alertmanager" else "1",
            "groupKey": '{}:{alertname="Fuzz"}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "warroom",
            "groupLabels": {"alertname": "Fuzz"},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": [_alert(rng, n), _alert(rng, n + 1)],
        }
        if kind == "grafana":
            body.update(orgId=1, title="[FIRING:2] Fuzz", state="alerting", message="fuzz")
        return body
    if kind == "datadog":
        return {
            "title": "[Triggered] fuzz",
            "aggregate": f"agg-{n}",
            "alert_transition": "Triggered",
            "alert_type": "error",
            "tags": "service:fuzz,env:test",
            "date": 1764583200000,
        }
    if kind == "generic":
        return {
            "title": "fuzz",
            "severity": "critical",
            "dedup_key": f"fuzz-{n}",
            "service": "fuzz",
            "labels": {"env": "test"},
            "details": {"n": n},
        }
    if kind == "pagerduty":
        return {
            "routing_key": routing_key,
            "event_action": rng.choice(["trigger", "resolve"]),
            "dedup_key": f"fuzz-{n}",
            "payload": {
                "summary": "fuzz",
                "source": "fuzz-host",
                "severity": "critical",
                "component": "fuzz",
                "custom_details": {"n": n},
            },
        }
    return {
        "routing_key": routing_key,
        "payload": {"summary": "deploy fuzz", "source": "ci", "custom_details": {"n": n}},
    }


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*here, index))


def _mutate(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One to three values replaced by nasty ones, or a nasty key added."""
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(body) if p and p != ("routing_key",)]
        path = rng.choice(paths)
        parent: Any = body
        for part in path[:-1]:
            parent = parent[part]
        # A copy: the lists and objects of NASTY must not be shared between bodies.
        nasty = copy.deepcopy(rng.choice(NASTY))
        if isinstance(parent, dict) and rng.random() < 0.2:
            parent[rng.choice(["\x00", "k" * 300, "extra"])] = nasty
        else:
            parent[path[-1]] = nasty
    return body


def _intake_urls(target: Target) -> dict[str, str]:
    base = f"{target.url}/api/v1/integrations"
    urls = {kind: f"{base}/{target.keys[kind]}/{kind}" for kind in KINDS if kind != "pagerduty"}
    urls["pagerduty"] = f"{target.url}/v2/enqueue"
    urls["pagerduty_change"] = f"{target.url}/v2/change/enqueue"
    return urls


def fuzz_intake(
    target: Target,
    *,
    seed: int,
    cases_per_endpoint: int,
    on_case: Callable[[str, int], None] | None = None,
) -> Tally:
    """Valid bodies of every intake format with values past the databases' limits put
    into them; every answer must be a 2xx or a 4xx."""
    rng = random.Random(seed)
    tally = Tally()
    with httpx.Client(timeout=60) as client:
        for kind, url in _intake_urls(target).items():
            endpoint = f"POST {url.removeprefix(target.url)}"
            endpoint = endpoint.replace(target.keys.get(kind, "~"), "{key}")
            for _ in range(cases_per_endpoint):
                body = _mutate(_base(kind, rng, target.keys["pagerduty"]), rng)
                # ensure_ascii writes a lone surrogate as the escape \ud800 senders can send
                content = json.dumps(body, ensure_ascii=True).encode()
                response = client.post(
                    url, content=content, headers={"Content-Type": "application/json"}
                )
                tally.count(endpoint, response.status_code)
                if response.status_code >= 500:
                    tally.failures.append(
                        f"{endpoint}: {response.status_code} for {content[:300]!r}"
                    )
                if on_case is not None:
                    on_case(endpoint, response.status_code)
    return tally
