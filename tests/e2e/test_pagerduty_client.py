"""The `pagerduty` PyPI package's Events API v2 client, pointed at warroom.

Whatever pages PagerDuty through the official client should page warroom by changing
only the base URL. The client refuses any base URL that is not https://, so warroom
is served here over TLS (a throwaway self-signed certificate for 127.0.0.1, made with
the `openssl` command) and the client trusts that certificate alone. The server shares
the test's database and frozen clock with the `api` fixture, so each test runs once on
SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pagerduty
import pytest
import uvicorn

from tests.conftest import IN_CI, START, Api, LiveServer
from warroom.app import create_app
from warroom.clock import FrozenClock
from warroom.config import Config
from warroom.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for IP 127.0.0.1, valid for a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        reason = "the openssl command is needed to make a test TLS certificate"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: this test must run)")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return cert, key


@pytest.fixture(scope="module")
def tls_server(migrated_db: Database, certificate: tuple[Path, Path]) -> Iterator[LiveServer]:
    """warroom over HTTPS on loopback, on the same database as the `api` fixture."""
    cert, key = certificate
    app = create_app(migrated_db, Config(), FrozenClock(START))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("TLS test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(f"https://127.0.0.1:{port}", server, app.state)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def warroom_url(api: Api, tls_server: LiveServer) -> Iterator[str]:
    """The HTTPS URL of warroom, its clock the test's."""
    tls_server.use(config=Config(), clock=api.clock)
    yield tls_server.url
    tls_server.use(config=Config(), clock=FrozenClock(START))


@pytest.fixture
def trust(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def events_client(url: str, routing_key: str, trust: ssl.SSLContext) -> pagerduty.EventsApiV2Client:
    client = pagerduty.EventsApiV2Client(routing_key, base_url=url, verify=trust)
    client.retry.clear()  # warroom's 5xx would be a bug: fail at once instead of retrying
    return client


def integration(http: httpx.Client, name: str, **fields: Any) -> str:
    created = http.post("/api/v1/integrations", json={"name": name, "kind": "pagerduty", **fields})
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def alerts_by_key(http: httpx.Client) -> dict[str, dict[str, Any]]:
    return {a["dedup_key"]: a for a in http.get("/api/v1/alerts").json()}


def test_trigger_dedup_acknowledge_and_resolve_through_the_client(
    http: httpx.Client, warroom_url: str, trust: ssl.SSLContext
) -> None:
    key = integration(http, "pd")
    with events_client(warroom_url, key, trust) as client:
        details = {"pool": "100/100"}
        sent = [
            client.trigger(
                "DB connection pool exhausted",
                "orders-db-1",
                dedup_key="pool-1",
                severity="error",
                payload={"component": "api-service", "class": "db"},
                custom_details=details,
                links=[{"href": "https://grafana.example/d/db", "text": "DB dashboard"}],
            )
            for _ in range(2)
        ]
        assert sent == ["pool-1", "pool-1"]

        alerts = alerts_by_key(http)
        assert list(alerts) == ["pool-1"]
        alert = alerts["pool-1"]
        assert (alert["occurrences"], alert["status"], alert["source"]) == (
            2,
            "firing",
            "pagerduty",
        )
        assert alert["service"] == "api-service"
        incidents = http.get("/api/v1/incidents").json()["items"]
        assert len(incidents) == 1
        ref = incidents[0]["ref"]
        assert alert["incident"] == ref
        assert incidents[0]["severity"] == "SEV-2"  # error
        assert incidents[0]["services"] == ["api-service"]

        generated = client.trigger(
            "Replica lag above 30s", "orders-db-2", payload={"component": "api-service"}
        )
        assert generated and generated != "pool-1"
        alerts = alerts_by_key(http)
        assert set(alerts) == {"pool-1", generated}
        assert alerts[generated]["occurrences"] == 1
        assert alerts[generated]["incident"] == ref  # same service: the open incident
        assert len(http.get("/api/v1/incidents").json()["items"]) == 1

        # Another alert still fires: the acknowledge is the alert's, not the incident's.
        assert client.acknowledge("pool-1") == "pool-1"
        assert http.get(f"/api/v1/incidents/{ref}").json()["acknowledged_at"] is None
        assert alerts_by_key(http)["pool-1"]["acknowledged_at"] is not None
        assert client.resolve(generated) == generated
        assert alerts_by_key(http)[generated]["status"] == "resolved"
        # pool-1 opened the incident and now fires alone: acknowledging it acknowledges it.
        assert client.acknowledge("pool-1") == "pool-1"
        incident = http.get(f"/api/v1/incidents/{ref}").json()
        assert incident["acknowledged_by"] == "integration:pd"

        assert client.resolve("pool-1") == "pool-1"
        alerts = alerts_by_key(http)
        assert (alerts["pool-1"]["status"], alerts["pool-1"]["resolved_by"]) == (
            "resolved",
            "source",
        )
        kinds = [e["kind"] for e in http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]]
        assert "all_alerts_resolved" in kinds


def test_the_client_raises_on_warroom_refusals(
    http: httpx.Client, warroom_url: str, trust: ssl.SSLContext
) -> None:
    key = integration(http, "pd")
    with events_client(warroom_url, key, trust) as client:
        with pytest.raises(pagerduty.HttpError) as invalid:
            client.trigger("   ", "orders-db-1")  # a blank summary
        assert invalid.value.response is not None
        assert invalid.value.response.status_code == 400
        assert "'payload.summary' is missing or blank" in invalid.value.response.json()["errors"]
    with (
        events_client(warroom_url, "not-a-key", trust) as stranger,
        pytest.raises(pagerduty.HttpError) as unknown,
    ):
        stranger.trigger("Disk full", "db-1")
    assert unknown.value.response is not None
    assert unknown.value.response.status_code == 404
    assert http.get("/api/v1/alerts").json() == []


def test_change_events_through_the_client(
    http: httpx.Client, warroom_url: str, trust: ssl.SSLContext
) -> None:
    key = integration(http, "deploys", service="api-service")
    with events_client(warroom_url, key, trust) as client:
        # `client.submit()` without a timestamp fails in pagerduty 7.2.0 (its
        # `event_timestamp` calls `datetime.timezone` on the datetime class), so the
        # payload is sent as is.
        client.send_change_event(
            payload={
                "summary": "Deploy api-service v2.3.1",
                "source": "argo",
                "timestamp": "2025-11-01T11:30:00Z",
                "custom_details": {"version": "v2.3.1"},
            },
            links=[{"href": "https://argo.example/app/api", "text": "Argo"}],
        )
    changes = http.get("/api/v1/changes", params={"service": "api-service", "since": "24h"}).json()
    assert len(changes) == 1
    change = changes[0]
    assert (change["summary"], change["source"]) == ("Deploy api-service v2.3.1", "argo")
    assert change["details"] == {"version": "v2.3.1"}
    assert change["links"] == [{"href": "https://argo.example/app/api", "text": "Argo"}]
    assert change["occurred_at"].startswith("2025-11-01T11:30:00")


def test_the_client_refuses_plain_http() -> None:
    """Why warroom is served over TLS here: the client takes https:// base URLs only."""
    with pytest.raises(pagerduty.UrlError):
        pagerduty.EventsApiV2Client("key", base_url="http://127.0.0.1:8080")
