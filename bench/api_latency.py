"""API read latency with a realistic history: 100,000 incidents, 1,000,000 timeline events.

Loads the data straight into a fresh database, starts `warroom serve` as a real process,
then times `GET /api/v1/incidents?status=open` and `GET /api/v1/incidents/{ref}` over
HTTP on loopback. Prints p50/p99 per backend. Target: p99 <= 50 ms.

    .venv/bin/python bench/api_latency.py [--incidents N] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text

from warroom import migrations
from warroom.auth import service as auth
from warroom.db import Database
from warroom.incidents.models import Incident, IncidentRole, IncidentService
from warroom.incidents.rules import format_ref
from warroom.timeline.models import TimelineEvent

PG_SERVER = os.environ.get("WARROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
BATCH = 20_000


def _fresh_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "warroom_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "warroom_bench"'))
    admin.dispose()
    return f"{PG_SERVER}/warroom_bench"


def load(db: Database, incidents: int, events_per: int) -> list[str]:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    refs: list[str] = []
    severities = ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    statuses = ["resolved"] * 8 + ["investigating", "monitoring"]
    per_day: dict[date, int] = {}
    with db.engine.begin() as conn:
        for base in range(0, incidents, BATCH):
            rows, services, roles, events = [], [], [], []
            for i in range(base, min(base + BATCH, incidents)):
                declared = start + timedelta(minutes=7 * i)
                day: date = declared.date()
                per_day[day] = seq = per_day.get(day, 0) + 1
                ref = format_ref(day, seq)
                refs.append(ref)
                status = rng.choice(statuses)
                rows.append(
                    {
                        "id": i + 1,
                        "ref": ref,
                        "ref_day": day,
                        "ref_seq": seq,
                        "title": f"Incident {i}: checkout latency",
                        "summary": "",
                        "severity": rng.choice(severities),
                        "status": status,
                        "phase": "postmortem" if status == "resolved" else "investigation",
                        "declared_by": "bench",
                        "declared_at": declared,
                        "response_due_at": declared + timedelta(minutes=15),
                        "acknowledged_at": declared + timedelta(minutes=3),
                        "acknowledged_by": "bench",
                        "resolved_at": declared + timedelta(hours=1)
                        if status == "resolved"
                        else None,
                        "updated_at": declared,
                    }
                )
                services.append({"incident_id": i + 1, "service": f"svc-{i % 40}", "position": 0})
                roles.append(
                    {
                        "incident_id": i + 1,
                        "role": "incident_commander",
                        "person": "bench",
                        "assigned_by": "bench",
                        "assigned_at": declared,
                    }
                )
                for k in range(events_per):
                    events.append(
                        {
                            "incident_id": i + 1,
                            "kind": "note_added",
                            "actor": "bench",
                            "occurred_at": declared + timedelta(minutes=k),
                            "visibility": "internal",
                            "data": {"text": f"note {k}"},
                        }
                    )
            conn.execute(insert(Incident), rows)
            conn.execute(insert(IncidentService), services)
            conn.execute(insert(IncidentRole), roles)
            for chunk in range(0, len(events), BATCH):
                conn.execute(insert(TimelineEvent), events[chunk : chunk + BATCH])
            print(f"  loaded {min(base + BATCH, incidents):>7} incidents", flush=True)
        if db.dialect == "postgresql":
            conn.execute(text("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))"))
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return refs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    for path in paths[:50]:
        client.get(path).raise_for_status()  # warm up
    samples = []
    for path in paths:
        started = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.99)


def run(backend: str, incidents: int, events_per: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = _fresh_url(backend, workdir)
        db = Database(url)
        migrations.upgrade(db)
        print(f"{backend}: loading {incidents} incidents, {incidents * events_per} events")
        began = time.perf_counter()
        refs = load(db, incidents, events_per)
        print(f"  load took {time.perf_counter() - began:.1f} s")
        with db.write() as session:
            token = auth.create_token(session, name="bench", role="viewer", now=datetime.now(UTC))
        db.dispose()
        port = free_port()
        env = {
            **os.environ,
            "WARROOM_DATABASE_URL": url,
            "XDG_CONFIG_HOME": str(workdir / "config"),
            "WARROOM_LOG_LEVEL": "warning",
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "warroom"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            headers = {"Authorization": f"Bearer {token}"}
            rng = random.Random(11)
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                p50, p99 = measure(client, ["/api/v1/incidents?status=open"] * requests)
                print(f"  GET /api/v1/incidents?status=open   p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
                sample = [f"/api/v1/incidents/{rng.choice(refs)}" for _ in range(requests)]
                p50, p99 = measure(client, sample)
                print(
                    f"  GET /api/v1/incidents/{{ref}}        p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--events-per", type=int, default=10)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend.strip(), args.incidents, args.events_per, args.requests)


if __name__ == "__main__":
    main()
