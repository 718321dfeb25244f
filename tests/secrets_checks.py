"""Issue 12's checks on a real `warroom serve` (a `tests.fuzzing.Target`): secrets in the
server's log, a revoked key's acceptances across processes, requests above a rate limit.

Shared by `tests/e2e/test_fuzz.py` (asserted, in CI) and `bench/fuzz.py` (printed).
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fuzzing import Target
from warroom.auth.links import AckLinks
from warroom.clock import SystemClock

GENERIC_ALERT = {"title": "Disk full on db-1", "severity": "warning", "dedup_key": "disk"}


@dataclass(frozen=True)
class Linked:
    """An incident as an ack link names it."""

    ref: str
    times_reopened: int


def _admin(target: Target) -> dict[str, str]:
    return {"Authorization": f"Bearer {target.token}"}


def _integration(target: Target, name: str, kind: str, **options: object) -> str:
    created = httpx.post(
        f"{target.url}/api/v1/integrations",
        json={"name": name, "kind": kind, **options},
        headers=_admin(target),
        timeout=60,
    )
    created.raise_for_status()
    return str(created.json()["key"])


def _signing_key(target: Target) -> str:
    path = Path(target.env["XDG_CONFIG_HOME"]) / "warroom" / "credentials.json"
    return str(json.loads(path.read_text())["secret_key"])


@dataclass
class LogScan:
    """Which of the secrets a run handled its log holds, and how many requests it logged."""

    handled: dict[str, str] = field(default_factory=dict)  # what -> the secret
    found: list[str] = field(default_factory=list)
    logged_requests: int = 0


def exercise_and_scan(target: Target) -> LogScan:
    """Every kind of request that carries a secret, right and wrong, then the whole log
    searched for every secret handled."""
    scan = LogScan(handled={"admin token": target.token, "signing key": _signing_key(target)})
    for kind, key in target.keys.items():
        scan.handled[f"{kind} key"] = key
    revoked = _integration(target, "secrets-revoked", "generic")
    httpx.delete(f"{target.url}/api/v1/integrations/secrets-revoked", headers=_admin(target))
    scan.handled["revoked key"] = revoked
    with httpx.Client(base_url=target.url, timeout=60) as client:
        for kind in ("alertmanager", "grafana", "datadog", "generic"):
            client.post(f"/api/v1/integrations/{target.keys[kind]}/{kind}", json=GENERIC_ALERT)
        client.post(f"/api/v1/integrations/{revoked}/generic", json=GENERIC_ALERT)
        client.post(f"/api/v1/integrations/{target.keys['grafana']}/generic", json={})
        for path in ("/v2/enqueue", "/v2/change/enqueue"):
            client.post(path, json={"routing_key": target.keys["pagerduty"], "event_action": 1})
        created = client.post(
            "/api/v1/tokens", json={"name": "scan", "role": "viewer"}, headers=_admin(target)
        ).json()
        scan.handled["new API token"] = created["token"]
        client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {created['token']}"})
        client.get("/api/v1/incidents", headers={"Authorization": "Bearer wr_not-a-real-token"})
        client.delete(f"/api/v1/tokens/{created['id']}", headers=_admin(target))
        client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {created['token']}"})
        declared = client.post(
            "/api/v1/incidents",
            json={"title": "Checkout down", "severity": "SEV-2"},
            headers=_admin(target),
        ).json()
        links = AckLinks(_signing_key(target), target.url, SystemClock())
        ack = links.token(Linked(declared["ref"], 0), "alice")
        scan.handled["ack token"] = ack
        client.get(f"/ack/{ack}")
        client.post("/ack", data={"token": ack})
        client.get(f"/ack/{ack}x")
    # The server logs a request after answering it: give the last lines time to land.
    deadline = time.monotonic() + 30
    text = ""
    while time.monotonic() < deadline:
        text = target.log.read_text(errors="replace")
        if text.count("/ack/") >= 2:  # the last requests
            break
        time.sleep(0.2)
    scan.logged_requests = sum(1 for line in text.splitlines() if "HTTP/1.1" in line)
    scan.found = [what for what, secret in scan.handled.items() if secret in text]
    return scan


def _spread_posts(
    url: str, body: object, count: int, source: str, workers: int = 8
) -> list[httpx.Response]:
    """`count` POSTs, each on a connection of its own (so the kernel spreads them over
    the API processes), `workers` at a time, from the loopback address `source` (a
    fuzzing run's wrong keys spend 127.0.0.1's budget for unknown keys)."""

    def post(_: int) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(transport=transport, timeout=60) as client:
            return client.post(url, json=body)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(post, range(count)))


def revoked_key_acceptances(target: Target, settle: float = 0.1) -> tuple[int, int]:
    """(requests accepted `settle` seconds or more after a key's revocation, requests
    accepted with it before): the key is warm in every process before it is revoked."""
    key = _integration(target, "secrets-revocation", "generic")
    url = f"{target.url}/api/v1/integrations/{key}/generic"
    before = _spread_posts(url, GENERIC_ALERT, 40, source="127.0.0.5")
    revoked = httpx.delete(
        f"{target.url}/api/v1/integrations/secrets-revocation", headers=_admin(target), timeout=60
    )
    revoked.raise_for_status()
    time.sleep(settle)
    after = _spread_posts(url, GENERIC_ALERT, 60, source="127.0.0.5")
    accepted = sum(1 for r in after if r.status_code == 202)
    return accepted, sum(1 for r in before if r.status_code == 202)


@dataclass
class LimitRun:
    limit_per_minute: int
    sent: int
    accepted: int
    seconds: float
    throttled_without_retry_after: int

    @property
    def allowed(self) -> int:
        """What the limit lets through in that time: the burst, then one per interval."""
        return self.limit_per_minute + math.floor(self.seconds * self.limit_per_minute / 60) + 1

    @property
    def overruns(self) -> int:
        return max(0, self.accepted - self.allowed)


def rate_limit_run(
    target: Target, per_minute: int = 60, sent: int = 300, name: str = "secrets-limited"
) -> LimitRun:
    key = _integration(target, name, "generic", rate_limit_per_minute=per_minute)
    url = f"{target.url}/api/v1/integrations/{key}/generic"
    began = time.monotonic()
    answers = _spread_posts(url, GENERIC_ALERT, sent, source="127.0.0.6")
    seconds = time.monotonic() - began
    throttled = [r for r in answers if r.status_code == 429]
    return LimitRun(
        limit_per_minute=per_minute,
        sent=sent,
        accepted=sum(1 for r in answers if r.status_code == 202),
        seconds=seconds,
        throttled_without_retry_after=sum(
            1 for r in throttled if not r.headers.get("Retry-After", "").isdigit()
        ),
    )
