"""A real Prometheus Alertmanager whose webhook receiver is warroom.

Alertmanager (the Debian package's `/usr/bin/prometheus-alertmanager`) runs on loopback
with a single route to warroom's `/api/v1/integrations/{key}/alertmanager`. The test
posts alerts to Alertmanager's own API, as Prometheus does, and watches warroom: the
incident opens with both alerts, and once the alerts end it shows them resolved.

warroom runs here in-process with a real clock (Alertmanager's timestamps are real),
on a throwaway SQLite database. Without the binary the test is skipped, except under
CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from warroom import migrations
from warroom.alerts.expired import resolve_expired
from warroom.alerts.formats.alertmanager import fingerprint
from warroom.app import create_app
from warroom.auth import service as auth
from warroom.clock import SystemClock
from warroom.config import Config
from warroom.db import Database

pytestmark = pytest.mark.slow

ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")
# Route timings: fast, so a resolve arrives within a second; or Alertmanager's defaults
# (group_interval 5m, repeat_interval 4h) but the first notification's group_wait.
FAST = "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1m"
DEFAULTS = "  group_wait: 1s"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WAIT = 30.0  # seconds: a bound on every wait, far above Alertmanager's 1 s timings
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Warroom:
    url: str
    token: str
    db: Database

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )


@contextmanager
def serve_warroom(tmp_path: Path) -> Iterator[Warroom]:
    """warroom with a real clock on a fresh, migrated SQLite file, over loopback HTTP."""
    database = Database(f"sqlite:///{tmp_path / 'warroom.db'}")
    migrations.upgrade(database)
    clock = SystemClock()
    with database.write() as session:
        token = auth.create_token(session, name="admin", role="admin", now=clock.now())
    app = create_app(database, Config(), clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("warroom did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield Warroom(f"http://127.0.0.1:{port}", token, database)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


class Alertmanager:
    """A `prometheus-alertmanager` process on loopback, clustering off, storage in tmp."""

    def __init__(self, tmp_path: Path, receiver_url: str, timings: str = FAST) -> None:
        config = tmp_path / "alertmanager.yml"
        config.write_text(
            f"""\
route:
  receiver: warroom
  group_by: [alertname]
{timings}
receivers:
  - name: warroom
    webhook_configs:
      - url: "{receiver_url}"
        send_resolved: true
"""
        )
        (tmp_path / "am-data").mkdir()
        self.log = tmp_path / "alertmanager.log"
        self.url = f"http://127.0.0.1:{free_port()}"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(ALERTMANAGER),
                    f"--config.file={config}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address={self.url.removeprefix('http://')}",
                    "--cluster.listen-address=",  # empty: no clustering, no gossip port
                    "--log.level=debug",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            eventually(self._ready, "Alertmanager to answer /-/ready", self)
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"Alertmanager exited with {self.process.returncode}: {self.tail()}")
        try:
            return httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=10)
        assert response.status_code == 200, response.text

    def alerts(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/api/v2/alerts", timeout=10)
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()
        return listed

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def eventually(probe: Callable[[], T], what: str, am: Alertmanager | None = None) -> T:
    """Poll `probe` until it returns something truthy, for at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            log = f"\nAlertmanager log:\n{am.tail()}" if am else ""
            pytest.fail(f"timed out after {WAIT:g}s waiting for {what}{log}")
        time.sleep(0.2)


@pytest.fixture
def alertmanager_binary() -> Path:
    if not os.access(ALERTMANAGER, os.X_OK):
        reason = f"{ALERTMANAGER} not installed (Debian package prometheus-alertmanager)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true: the real-Alertmanager test must run")
        pytest.skip(reason)
    return ALERTMANAGER


def am_alerts(starts_at: datetime, ends_at: datetime | None = None) -> list[dict[str, Any]]:
    alerts = []
    for instance in ("api-1", "api-2"):
        alert: dict[str, Any] = {
            "labels": {
                "alertname": "HighErrorRate",
                "service": "api-service",
                "severity": "critical",
                "instance": instance,
            },
            "annotations": {"summary": f"5xx above 5% on {instance}"},
            "startsAt": rfc3339(starts_at),
            "generatorURL": "http://prometheus.example:9090/graph?g0.expr=errors",
        }
        if ends_at is not None:
            alert["endsAt"] = rfc3339(ends_at)
        alerts.append(alert)
    return alerts


def test_a_real_alertmanager_opens_and_resolves_an_incident(
    alertmanager_binary: Path, tmp_path: Path
) -> None:
    with serve_warroom(tmp_path) as warroom, warroom.client() as http:
        created = http.post(
            "/api/v1/integrations", json={"name": "prometheus", "kind": "alertmanager"}
        )
        assert created.status_code == 201, created.text
        receiver = created.json()["urls"]["alertmanager"]
        assert receiver == f"{warroom.url}/api/v1/integrations/{created.json()['key']}/alertmanager"

        am = Alertmanager(tmp_path, receiver)
        try:
            started = datetime.now(UTC) - timedelta(minutes=1)
            am.post_alerts(am_alerts(started))

            def firing() -> list[dict[str, Any]]:
                alerts: list[dict[str, Any]] = http.get("/api/v1/alerts").json()
                return alerts if len(alerts) == 2 and all(a["incident"] for a in alerts) else []

            alerts = eventually(firing, "warroom to receive both alerts", am)
            incidents = http.get("/api/v1/incidents").json()["items"]
            assert len(incidents) == 1, incidents
            incident = incidents[0]
            ref = incident["ref"]
            assert incident["severity"] == "SEV-1"  # severity=critical
            assert incident["services"] == ["api-service"]
            assert incident["status"] != "resolved"
            attached = http.get(f"/api/v1/incidents/{ref}/alerts").json()
            assert sorted(a["labels"]["instance"] for a in attached) == ["api-1", "api-2"]
            assert all(a["status"] == "firing" and a["source"] == "alertmanager" for a in attached)
            assert {a["incident"] for a in alerts} == {ref}

            # The dedup keys are Alertmanager's own fingerprints, which warroom can
            # also compute from the labels alone.
            am_fingerprints = {a["fingerprint"] for a in am.alerts()}
            assert {a["dedup_key"] for a in attached} == am_fingerprints
            assert {fingerprint(a["labels"]) for a in attached} == am_fingerprints

            # The alerts end: Prometheus sends them again with endsAt in the past.
            ended = datetime.now(UTC) - timedelta(seconds=1)
            am.post_alerts(am_alerts(started, ended))

            def resolved() -> list[dict[str, Any]]:
                alerts: list[dict[str, Any]] = http.get(f"/api/v1/incidents/{ref}/alerts").json()
                return alerts if all(a["status"] == "resolved" for a in alerts) else []

            alerts = eventually(resolved, "warroom to show both alerts resolved", am)
            assert len(alerts) == 2
            assert {a["resolved_by"] for a in alerts} == {"source"}
            assert {a["dedup_key"] for a in alerts} == am_fingerprints
            timeline = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
            kinds = [event["kind"] for event in timeline]
            assert kinds.count("alert_resolved") == 2, kinds
            assert "all_alerts_resolved" in kinds, kinds
            assert len(http.get("/api/v1/incidents").json()["items"]) == 1
        finally:
            am.stop()


def test_alerts_from_a_real_alertmanager_on_its_defaults_stay_firing(
    alertmanager_binary: Path, tmp_path: Path
) -> None:
    """Alertmanager re-sends a firing group only every repeat_interval (4 h by default):
    hours of silence from it mean nothing, so its alerts stay firing until it resolves
    them (issue 11.1: warroom's 5-minute "not re-sent" timeout used to resolve them)."""
    with serve_warroom(tmp_path) as warroom, warroom.client() as http:
        created = http.post(
            "/api/v1/integrations", json={"name": "prometheus", "kind": "alertmanager"}
        ).json()
        assert created["resolve_timeout_seconds"] is None
        am = Alertmanager(tmp_path, created["urls"]["alertmanager"], DEFAULTS)
        try:
            am.post_alerts(am_alerts(datetime.now(UTC) - timedelta(minutes=1)))

            def firing() -> list[dict[str, Any]]:
                alerts: list[dict[str, Any]] = http.get("/api/v1/alerts").json()
                return alerts if len(alerts) == 2 else []

            eventually(firing, "warroom to receive both alerts", am)
            # The engine's stale-alert sweep, run as if 4 h less a minute had passed
            # without a re-send (the most Alertmanager's defaults allow), and a day.
            for later in (timedelta(hours=4) - timedelta(minutes=1), timedelta(days=1)):
                resolve_expired(warroom.db, Config(), datetime.now(UTC) + later)
                alerts = http.get("/api/v1/alerts").json()
                assert [a["status"] for a in alerts] == ["firing", "firing"], alerts
            incident = http.get("/api/v1/incidents").json()["items"][0]
            assert incident["status"] == "investigating"
        finally:
            am.stop()
