"""What an incident's alert tallies cost (alerts/tally.py), with a storm of 10,000 alerts.

Per backend, in a fresh database: one incident gets `--alerts` alerts (stored straight
into `alerts`, 4 in 5 firing, one alertname, `--hosts` hosts, 3 clusters) beside as many
alerts of 19 other incidents, tallied too; the storm's alerts are tallied in transactions
of `--batch` alerts each (as intake would attach them), then the reads are timed:
`title_of`, `summary_of`, and the firing count `summary_of` makes. Prints medians.

    .venv/bin/python bench/tally.py [--alerts 10000] [--batch 50] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from warroom import migrations
from warroom.alerts import tally
from warroom.alerts.models import Alert
from warroom.alerts.tally import Tallied
from warroom.clock import FrozenClock
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.queries import by_ref
from warroom.incidents.schemas import DeclareIn

PG_SERVER = os.environ.get("WARROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
NAME = "warroom_bench_tally"
START = datetime(2026, 12, 3, tzinfo=UTC)


def fresh(backend: str, workdir: Path) -> Database:
    if backend == "sqlite":
        return Database(f"sqlite:///{workdir / 'tally.db'}")
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    return Database(f"{PG_SERVER}/{NAME}")


def store(db: Database, incident_id: int, count: int, hosts: int, prefix: str) -> list[Tallied]:
    rows = [
        {
            "scope": "integration:1",
            "dedup_key": f"{prefix}-{i}",
            "source": "alertmanager",
            "summary": f"Probe3 failed on host-{i % hosts:05d}",
            "severity": "critical",
            "status": "resolved" if i % 5 == 0 else "firing",
            "labels": {
                "alertname": "Probe3",
                "instance": f"host-{i % hosts:05d}",
                "cluster": f"eu-west-{i % 3}",
                "job": "blackbox",
                "severity": "critical",
            },
            "first_seen_at": START + timedelta(milliseconds=i),
            "last_seen_at": START + timedelta(milliseconds=i),
            "incident_id": incident_id,
        }
        for i in range(count)
    ]
    with db.write() as session:
        session.execute(insert(Alert), rows)
        stored = session.execute(
            select(Alert.id, Alert.summary, Alert.labels, Alert.first_seen_at)
            .where(Alert.incident_id == incident_id)
            .order_by(Alert.id)
        )
        return [Tallied(r.id, r.summary, r.labels, r.first_seen_at) for r in stored]


def median_ms(run: Callable[[], object], times: int) -> float:
    spent = []
    for _ in range(times):
        began = time.perf_counter()
        run()
        spent.append(time.perf_counter() - began)
    return statistics.median(spent) * 1000


def bench(backend: str, workdir: Path, alerts: int, hosts: int, batch: int) -> None:
    db = fresh(backend, workdir)
    migrations.upgrade(db)
    ctx = Context(config=Config(), actor="bench", now=FrozenClock(START).now())
    ids = []
    for n in range(20):
        out = incidents.declare(db, ctx, DeclareIn(title=f"storm {n}", severity="sev-2"))
        with db.read() as session:
            ids.append(by_ref(session, out.ref).id)
    storm, *others = ids
    tallied = store(db, storm, alerts, hosts, "storm")
    stored = {
        other: store(db, other, alerts // len(others), hosts, f"other{n}")
        for n, other in enumerate(others)
    }
    with db.write() as session:  # the other incidents' tallies, in one statement
        tally.add_all(session, stored)

    spent = []
    for start in range(0, len(tallied), batch):
        began = time.perf_counter()
        with db.write() as session:
            tally.add(session, storm, tallied[start : start + batch])
        spent.append(time.perf_counter() - began)
    if backend == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()

    def read(what: Callable[..., object]) -> Callable[[], object]:
        def run() -> object:
            with db.read() as session:
                return what(session, storm)

        return run

    def firing(session: object, incident: int) -> object:
        return session.scalar(  # type: ignore[attr-defined]
            select(func.count())
            .select_from(Alert)
            .where(Alert.incident_id == incident, Alert.status == "firing")
        )

    with db.read() as session:
        title = tally.title_of(session, storm)
    print(
        f"{backend}: {alerts:,} alerts on {hosts:,} hosts; add() of {batch} alerts: "
        f"median {statistics.median(spent) * 1000:.2f} ms per transaction "
        f"(whole storm {sum(spent):.2f} s); title {title!r}"
    )
    print(f"  title_of    median {median_ms(read(tally.title_of), 200):7.2f} ms")
    print(f"  summary_of  median {median_ms(read(tally.summary_of), 50):7.2f} ms")
    print(f"  of which the firing count: median {median_ms(read(firing), 50):7.2f} ms")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for backend in args.backends.split(","):
            bench(backend, Path(workdir), args.alerts, args.hosts, args.batch)


if __name__ == "__main__":
    main()
