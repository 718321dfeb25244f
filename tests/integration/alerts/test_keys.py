"""Integration keys and their limits (issue 12), on SQLite and PostgreSQL: a revoked key
stays revoked across restarts, rate limits live in the database (so every process shares
them) and say when to come back, and a flood of wrong keys costs no query."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from tests.conftest import Api
from warroom.alerts import integrations, ratelimit
from warroom.alerts.models import Integration
from warroom.alerts.schemas import IntegrationConfig
from warroom.config import Config
from warroom.db import Database

ALERT = {"title": "Disk full", "severity": "warning", "dedup_key": "disk"}


def declared(key_env: str) -> Config:
    return Config(integrations=[IntegrationConfig(name="prom", kind="generic", key_env=key_env)])


def test_a_revoked_declared_integration_stays_revoked_across_restarts(
    db: Database, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_KEY", "k" * 32)
    integrations.sync_config_integrations(db, declared("PROM_KEY"), api.clock.now())
    with api.client() as admin:
        assert admin.delete("/api/v1/integrations/prom").status_code == 200
    integrations.sync_config_integrations(db, declared("PROM_KEY"), api.clock.now())  # restart
    assert integrations.find_integration(db, "k" * 32) is None
    with httpx.Client(base_url=api.url) as sender:
        refused = sender.post(f"/api/v1/integrations/{'k' * 32}/generic", json=ALERT)
    assert refused.status_code == 404

    # A new key in the file is a new credential: it works.
    monkeypatch.setenv("PROM_KEY", "n" * 32)
    integrations.sync_config_integrations(db, declared("PROM_KEY"), api.clock.now())
    found = integrations.find_integration(db, "n" * 32)
    assert found is not None and found.name == "prom"


def test_an_admin_restores_a_revoked_integration(db: Database, api: Api) -> None:
    with api.client() as admin:
        created = admin.post("/api/v1/integrations", json={"name": "hooks", "kind": "generic"})
        key = created.json()["key"]
        admin.delete("/api/v1/integrations/hooks")
        with httpx.Client(base_url=api.url) as sender:
            url = f"/api/v1/integrations/{key}/generic"
            assert sender.post(url, json=ALERT).status_code == 404
            restored = admin.post("/api/v1/integrations/hooks/restore")
            assert restored.status_code == 200, restored.text
            assert restored.json()["revoked_at"] is None
            assert sender.post(url, json=ALERT).status_code == 202
        assert admin.post("/api/v1/integrations/nope/restore").status_code == 404


def test_only_the_key_hash_is_stored(db: Database, api: Api) -> None:
    with api.client() as admin:
        key = admin.post("/api/v1/integrations", json={"name": "h", "kind": "generic"}).json()[
            "key"
        ]
        listed = admin.get("/api/v1/integrations").json()
    assert all(item["key"] is None and item["urls"] == {} for item in listed)
    with db.read() as session:
        row = session.scalars(select(Integration)).one()
    assert key not in {row.key_hash, row.name} and row.key_hash == integrations.hash_key(key)


def test_the_shared_limit_lets_a_burst_through_then_one_per_interval(db: Database) -> None:
    """GCRA over the database: 60 a minute is a burst of 60, then one a second. A second
    Database object on the same URL stands for another process: it sees the same state."""
    other = Database(db.url)
    try:
        now = 1_000_000.0
        admitted = [ratelimit.admit(db, "integration:1", 60, now) is None for _ in range(60)]
        assert all(admitted)
        wait = ratelimit.admit(other, "integration:1", 60, now)
        assert wait is not None and 0.99 < wait <= 1.0
        assert ratelimit.admit(other, "integration:1", 60, now + 0.5) is not None
        assert ratelimit.admit(other, "integration:1", 60, now + 1.0) is None
        assert ratelimit.admit(db, "integration:1", 60, now + 1.0) is not None
        # Another subject has its own budget; a long pause refills the burst, no more.
        assert ratelimit.admit(db, "integration:2", 60, now) is None
        later = [ratelimit.admit(db, "integration:1", 60, now + 600) is None for _ in range(61)]
        assert later.count(True) == 60
    finally:
        other.dispose()


def test_a_limited_integration_is_told_when_to_come_back(db: Database, api: Api) -> None:
    with api.client() as admin:
        created = admin.post(
            "/api/v1/integrations",
            json={"name": "noisy", "kind": "pagerduty", "rate_limit_per_minute": 3},
        ).json()
    event_body = {
        "routing_key": created["key"],
        "event_action": "trigger",
        "payload": {"summary": "CPU high", "source": "web-1", "severity": "warning"},
    }
    with httpx.Client(base_url=api.url, timeout=60) as sender:
        answers = [sender.post("/v2/enqueue", json=event_body) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert answers[-1].json()["status"] == "throttle event"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 20


@pytest.fixture
def statements(db: Database) -> Iterator[list[str]]:
    """Every lookup of an integration the database runs during the test."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM integrations" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_flood_of_wrong_keys_costs_no_query_each(
    db: Database, api: Api, statements: list[str]
) -> None:
    # From an address of its own (127.0.0.x is this machine too), so that other tests
    # sending an unknown key from 127.0.0.1 keep their budget.
    own = "127.0.0.3" if db.dialect == "sqlite" else "127.0.0.4"
    transport = httpx.HTTPTransport(local_address=own)
    with httpx.Client(base_url=api.url, transport=transport, timeout=60) as flood:
        first = flood.post("/api/v1/integrations/wrong-key/generic", json=ALERT)
        assert first.status_code == 404
        asked = len(statements)
        assert asked >= 1  # the first miss asked the database
        answers = [
            flood.post(f"/api/v1/integrations/wrong-{n}/generic", json=ALERT).status_code
            for n in range(100)
        ]
        repeat = [
            flood.post("/api/v1/integrations/wrong-key/generic", json=ALERT) for _ in range(5)
        ]
    assert set(answers[:50]) == {404}
    assert answers[-1] == 429  # the address's budget (60 a minute) is spent
    assert all(r.status_code in (404, 429) for r in repeat)
    throttled = [r for r in repeat if r.status_code == 429]
    assert throttled and all(int(r.headers["Retry-After"]) >= 1 for r in throttled)
    # Queries only until the budget ran out; the repeated wrong key was remembered.
    assert len(statements) - asked <= 60
    with httpx.Client(base_url=api.url, timeout=60) as other:
        assert other.post("/api/v1/integrations/wrong-x/generic", json=ALERT).status_code == 404


def test_a_failed_statement_does_not_carry_its_values(db: Database) -> None:
    """Its message is logged with the 500 it causes: no bound values (payloads, tokens'
    hashes) in it. (PostgreSQL's own DETAIL may name a conflicting unique value; the
    only unique secrets-derived column holds hashes.)"""
    from sqlalchemy.exc import IntegrityError

    secret = "f" * 64
    now = datetime(2025, 11, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError) as failed, db.write() as session:
        for name in ("a", "b"):
            session.add(Integration(name=name, kind="generic", key_hash=secret, created_at=now))
            session.flush()
    message = str(failed.value)
    assert "parameters hidden" in message
    assert "'generic'" not in message and "[parameters:" not in message


def test_a_key_that_worked_still_works_from_an_address_spending_its_wrong_key_budget(
    db: Database, api: Api
) -> None:
    """A sender sharing an address (a NAT, a proxy) with one that floods wrong keys."""
    with api.client() as admin:
        key = admin.post("/api/v1/integrations", json={"name": "good", "kind": "generic"}).json()[
            "key"
        ]
    own = "127.0.0.7" if db.dialect == "sqlite" else "127.0.0.8"
    transport = httpx.HTTPTransport(local_address=own)
    with httpx.Client(base_url=api.url, transport=transport, timeout=60) as client:
        assert client.post(f"/api/v1/integrations/{key}/generic", json=ALERT).status_code == 202
        flood = [
            client.post(f"/api/v1/integrations/wrong-{n}/generic", json=ALERT).status_code
            for n in range(80)
        ]
        assert flood[-1] == 429
        time.sleep(0.1)  # past the 50 ms a process remembers a known key
        assert client.post(f"/api/v1/integrations/{key}/generic", json=ALERT).status_code == 202
