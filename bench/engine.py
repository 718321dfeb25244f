"""Engine latency on PostgreSQL: 10,000 open incidents with pending escalations.

For each worker count (default 1, then 3), on a fresh database `warroom_bench_engine`:

1. Start N `warroom worker` processes (default poll) and a real SMTP receiver (aiosmtpd).
2. Load 10,000 open SEV-1 incidents straight into the tables and plan their escalations
   and response-SLA timers with the real planning code (`paging.service.plan_escalation`,
   `plan_response_sla`), declared a day ahead so nothing falls due while loading; then
   shift them (incidents and jobs alike) so their declarations are spread at `--rate` per
   second from 3 s after the load. Each of 10 services has a policy 0 s -> 5 min -> 10 min,
   one person per step, so ~50,000 jobs are pending and `--rate` first steps fall due each
   second. (The shift leaves the SLA jobs' informational `response_due_at` payload as
   planned; it is only shown on the timeline.)
3. Steady phase (`--steady` s): lateness of the jobs due in that window, three ways:
   * claim lateness: `jobs.started_at - jobs.due_at` (started_at is when the worker claimed
     the batch, the same instant for up to `engine.rules.BATCH` jobs);
   * handler lateness: when the handler really began (escalation: `pages.queued_at`;
     send: `pages.sent_at`) minus the job's due time — includes waiting behind the rest
     of the batch;
   * jobs due in the window and not started when it closed (the workers fell behind).
4. Declare-to-page: `warroom serve --no-worker` on the same database; `--declares`
   incidents are POSTed over HTTP at `--declare-rate` per second while the steady load
   goes on; latency = from just before the POST to the SMTP receiver getting the first
   page whose Subject names the incident's ref.
5. Burst: `--burst` more incidents whose first step is due at once; throughput = their
   escalation + send jobs / time until the last is done.
6. Kill (more than one worker): `--kills` times, the worker holding the most paging jobs
   is SIGKILLed mid-batch while the steady load goes on, and replaced (engine_kill.py).

Targets (issue): lateness p99 <= 1 s; declare-to-page p99 <= 1 s; first pages held by a
worker killed mid-batch late by at most 15 s.

    .venv/bin/python bench/engine.py [--workers 1,3] [--incidents 10000] [--steady 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from secrets import token_urlsafe

import httpx
from sqlalchemy import create_engine, func, insert, select, text

from engine_kill import kill_phase
from figures import summary
from smtp_sink import Mailbox, free_port, smtp_receiver
from warroom import migrations
from warroom.auth import service as auth
from warroom.config import Config, load_config
from warroom.db import Database
from warroom.engine.models import Job
from warroom.incidents.models import Incident, IncidentRole, IncidentService
from warroom.incidents.rules import format_ref
from warroom.paging import service as paging
from warroom.paging.models import Page

PG_SERVER = os.environ.get("WARROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
DB_NAME = "warroom_bench_engine"
WARROOM = str(Path(sys.executable).parent / "warroom")
SERVICES = 10
STEP_AFTER = ("0s", "5m", "10m")
BULK_DAY = date(2026, 1, 1)  # refs of the loaded incidents; HTTP declarations use today's
CHUNK = 200  # incidents per load transaction (small: every planning statement autoflushes)


def config_yaml() -> str:
    people = [f"  - {{id: p{i:02d}, email: p{i:02d}@example.com}}" for i in range(30)]
    policies, services = [], []
    for s in range(SERVICES):
        steps = "\n".join(
            f"      - {{after: {after}, targets: [person:p{s * 3 + k:02d}]}}"
            for k, after in enumerate(STEP_AFTER)
        )
        policies.append(f"  - name: policy-{s}\n    steps:\n{steps}")
        services.append(f"  - {{name: svc-{s}, escalation_policy: policy-{s}}}")
    return "\n".join(
        [
            "people:",
            *people,
            "escalation_policies:",
            *policies,
            "services:",
            *services,
            "notifications:",
            "  # measure sending, not suppression: a storm would otherwise hit the burst cap",
            "  throttle: {burst: 1000000, burst_window_seconds: 60}",
            "",
        ]
    )


# --- loading -----------------------------------------------------------------------


def fresh_database() -> str:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return f"{PG_SERVER}/{DB_NAME}"


def add_incidents(
    db: Database, config: Config, first_id: int, declared: list[datetime], prefix: str
) -> list[int]:
    """Insert open incidents declared at these instants and plan them as `declare` does."""
    ids = list(range(first_id, first_id + len(declared)))
    now = datetime.now(UTC)
    for start in range(0, len(ids), CHUNK):
        chunk = list(zip(ids[start : start + CHUNK], declared[start : start + CHUNK], strict=True))
        with db.write() as session:
            session.execute(
                insert(Incident),
                [
                    {
                        "id": i,
                        "ref": format_ref(BULK_DAY, i),
                        "ref_day": BULK_DAY,
                        "ref_seq": i,
                        "title": f"{prefix} {i}: checkout is down",
                        "summary": "",
                        "severity": "SEV-1",
                        "status": "investigating",
                        "phase": "investigation",
                        "declared_by": "bench",
                        "declared_at": at,
                        "response_due_at": at + timedelta(minutes=15),
                        "updated_at": at,
                    }
                    for i, at in chunk
                ],
            )
            session.execute(
                insert(IncidentService),
                [
                    {"incident_id": i, "service": f"svc-{i % SERVICES}", "position": 0}
                    for i, _ in chunk
                ],
            )
            session.execute(
                insert(IncidentRole),
                [
                    {
                        "incident_id": i,
                        "role": "incident_commander",
                        "person": "bench",  # no contact method: SLA warnings page nobody
                        "assigned_by": "bench",
                        "assigned_at": at,
                    }
                    for i, at in chunk
                ],
            )
            session.flush()
            incidents = session.scalars(
                select(Incident).where(Incident.id.in_([i for i, _ in chunk]))
            ).all()
            for incident in incidents:
                paging.plan_escalation(session, config, incident, now)
                paging.plan_response_sla(session, incident, now)
    with db.engine.connect() as conn:
        conn.execute(text("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))"))
        conn.execute(text("ANALYZE"))
        conn.commit()
    return ids


def shift(db: Database, delta: timedelta) -> None:
    """Move the loaded incidents and their jobs in time, as if declared `delta` later, so the
    first steps start falling due right after the load however long it took."""
    with db.write() as session:
        session.execute(
            text(
                "UPDATE incidents SET declared_at = declared_at + :d, updated_at = updated_at + :d,"
                " response_due_at = response_due_at + :d"
            ),
            {"d": delta},
        )
        session.execute(
            text("UPDATE jobs SET due_at = due_at + :d WHERE incident_id IS NOT NULL"),
            {"d": delta},
        )


# --- processes ---------------------------------------------------------------------


def start_workers(count: int, env: dict[str, str], poll: float) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [WARROOM, "worker", "--poll", str(poll)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [WARROOM, "serve", "--no-worker", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/healthz").raise_for_status()
            return server, base
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f"warroom serve did not start:\n{log.read_text()}") from None
            time.sleep(0.2)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_up(db: Database, timeout: float = 30) -> None:
    """Wait until a worker has claimed something (a probe job with no handler is enough)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            if session.scalar(select(func.count()).select_from(Job).where(Job.attempts > 0)):
                return
        time.sleep(0.1)
    raise RuntimeError("no worker claimed anything")


# --- figures -----------------------------------------------------------------------


def lateness(db: Database, start: datetime, end: datetime) -> dict[str, list[float]]:
    window = (Job.due_at >= start, Job.due_at < end)
    with db.read() as session:
        claimed = session.execute(
            select(Job.kind, Job.started_at, Job.due_at).where(
                *window, Job.status == "done", Job.kind.in_([paging.ESCALATION, paging.SEND_PAGE])
            )
        ).all()
        behind = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(*window, Job.status == "pending", Job.kind != "bench_probe")
        )
        escalation_started = session.execute(
            text(
                "SELECT extract(epoch FROM p.queued_at - j.due_at) FROM pages p "
                "JOIN jobs j ON j.key = 'esc:' || p.incident_id || ':' || p.step "
                "WHERE j.due_at >= :start AND j.due_at < :end"
            ),
            {"start": start, "end": end},
        ).scalars()
        send_started = session.execute(
            select(Page.queued_at, Page.sent_at).where(
                Page.queued_at >= start, Page.queued_at < end, Page.sent_at.is_not(None)
            )
        ).all()
    out: dict[str, list[float]] = {
        f"claim {kind}": [
            (s - d).total_seconds() for k, s, d in claimed if k == kind and s is not None
        ]
        for kind in (paging.ESCALATION, paging.SEND_PAGE)
    }
    out["handler escalation_step"] = [float(x) for x in escalation_started]
    out["handler send_page"] = [(s - q).total_seconds() for q, s in send_started if s]
    out["behind"] = [float(behind or 0)]
    return out


def declare_to_page(
    base: str, token: str, mailbox: Mailbox, count: int, rate: float
) -> tuple[list[float], int]:
    posted: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        began = time.monotonic()
        for i in range(count):
            pause = began + i / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            at = time.monotonic()
            response = client.post(
                "/api/v1/incidents",
                json={"title": f"Declared {i}", "severity": "SEV-1", "services": [f"svc-{i % 10}"]},
            )
            response.raise_for_status()
            posted[response.json()["ref"]] = at
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        first = mailbox.first_page_at()
        if all(ref in first for ref in posted):
            break
        time.sleep(0.2)
    first = mailbox.first_page_at()
    latencies = [first[ref] - at for ref, at in posted.items() if ref in first]
    return latencies, len(posted) - len(latencies)


def burst(db: Database, config: Config, count: int) -> tuple[int, float]:
    """`count` incidents whose first step is due now; jobs/s until all their pages are sent."""
    with db.read() as session:
        first_id = int(session.scalar(select(func.max(Incident.id))) or 0) + 1
    t0 = datetime.now(UTC)
    ids = add_incidents(db, config, first_id, [t0] * count, "Burst")
    t0 = datetime.now(UTC)  # committed: from here the workers can see them all
    began = time.monotonic()
    deadline = began + 600
    keys = [f"esc:{i}:r0s0" for i in ids]
    while time.monotonic() < deadline:
        with db.read() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.incident_id.in_(ids),
                    Job.status != "done",
                    (Job.kind == paging.SEND_PAGE) | Job.key.in_(keys),
                )
            )
            sent = session.scalar(
                select(func.count())
                .select_from(Page)
                .where(Page.incident_id.in_(ids), Page.status == "sent")
            )
        if not waiting and sent == count:
            break
        time.sleep(0.1)
    with db.read() as session:
        last = session.scalar(
            select(func.max(Job.finished_at)).where(
                Job.incident_id.in_(ids), Job.kind == paging.SEND_PAGE
            )
        )
    elapsed = ((last or datetime.now(UTC)) - t0).total_seconds()
    return 2 * count, elapsed


# --- one run -----------------------------------------------------------------------


def run(workers: int, args: argparse.Namespace) -> None:
    print(f"\n== {workers} worker(s), {args.incidents} open incidents ==", flush=True)
    url = fresh_database()
    db = Database(url)
    migrations.upgrade(db)
    with tempfile.TemporaryDirectory() as tmp, smtp_receiver() as (mailbox, smtp_port):
        config_file = Path(tmp) / "warroom.yaml"
        config_file.write_text(config_yaml(), encoding="utf-8")
        config = load_config(config_file)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        env = {
            **clean,
            "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
            "WARROOM_CONFIG": str(config_file),
            "WARROOM_DATABASE_URL": url,
            "WARROOM_SMTP_HOST": "127.0.0.1",
            "WARROOM_SMTP_PORT": str(smtp_port),
            "WARROOM_LOG_LEVEL": "warning",
            # every process must sign acknowledge links alike; none is generated for them
            "WARROOM_SECRET_KEY": os.environ.get("WARROOM_SECRET_KEY") or token_urlsafe(32),
        }
        with db.write() as session:  # so we can tell when the workers are claiming
            session.execute(
                insert(Job).values(
                    kind="bench_probe",
                    key="bench_probe",
                    payload={},
                    status="pending",
                    due_at=datetime.now(UTC),
                    attempts=0,
                    max_attempts=1,
                    created_at=datetime.now(UTC),
                )
            )
        processes = start_workers(workers, env, args.poll)
        try:
            workers_up(db)
            began = time.monotonic()
            anchor = datetime.now(UTC) + timedelta(days=1)  # nothing falls due while loading
            declared = [anchor + timedelta(seconds=i / args.rate) for i in range(args.incidents)]
            add_incidents(db, config, 1, declared, "Incident")
            t0 = datetime.now(UTC) + timedelta(seconds=3)
            shift(db, t0 - anchor)
            with db.read() as session:
                pending = session.scalar(
                    select(func.count()).select_from(Job).where(Job.status == "pending")
                )
            print(
                f"  loaded in {time.monotonic() - began:.1f} s; {pending} jobs pending",
                flush=True,
            )
            steady_start = max(t0, datetime.now(UTC))
            steady_end = steady_start + timedelta(seconds=args.steady)
            time.sleep((steady_end - datetime.now(UTC)).total_seconds() + 2)
            figures = lateness(db, steady_start, steady_end)
            print(
                f"  steady {args.steady:.0f} s, {args.rate:g} first steps/s "
                f"({2 * args.rate:g} jobs/s):"
            )
            for name, samples in figures.items():
                if name != "behind":
                    print(f"    {name:<26} {summary(samples)}")
            print(
                f"    due in the window, not started by its end + 2 s: {figures['behind'][0]:.0f}"
            )

            server, base = start_server(env, Path(tmp) / "serve.log")
            processes.append(server)
            with db.write() as session:
                token = auth.create_token(
                    session, name="bench", role="responder", now=datetime.now(UTC)
                )
            latencies, missing = declare_to_page(
                base, token, mailbox, args.declares, args.declare_rate
            )
            print(
                f"  declare over HTTP -> first page received ({args.declare_rate:g}/s, "
                f"steady load continuing):\n    {'':<26} {summary(latencies)}"
                + (f"; {missing} never paged within 30 s" if missing else "")
            )
            jobs, took = burst(db, config, args.burst)
            print(
                f"  burst: {args.burst} first steps due at once -> {jobs} jobs in {took:.1f} s "
                f"= {jobs / took:.0f} jobs/s ({args.burst / took:.0f} pages/s)",
                flush=True,
            )
            if workers > 1 and args.kills:
                kill_phase(db, processes, lambda: start_workers(1, env, args.poll)[0], args.kills)
        finally:
            stop(processes)
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", default="1,3", help="worker counts to run, in order")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=5, help="first steps falling due per second")
    parser.add_argument("--steady", type=float, default=60, help="seconds of steady load measured")
    parser.add_argument("--declares", type=int, default=200)
    parser.add_argument("--declare-rate", type=float, default=5)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--poll", type=float, default=0.2, help="`warroom worker --poll`")
    parser.add_argument("--kills", type=int, default=3, help="workers killed mid-batch (N > 1)")
    args = parser.parse_args()
    print(
        f"PostgreSQL {PG_SERVER}; {os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    for count in (int(n) for n in args.workers.split(",")):
        run(count, args)


if __name__ == "__main__":
    main()
