"""Alert intake throughput and latency, against a real Alertmanager on the same machine.

For each backend (a fresh SQLite file, a fresh PostgreSQL database `warroom_bench_ingest`)
starts `warroom serve --no-worker --processes N` (N: `--processes`; by default, per
backend, what took the most here: one per core on SQLite, where a process's Python is
the limit, and 1 on PostgreSQL, whose server needs the other core and whose re-sends
group best with one statement in flight per process) with two integrations from a
config file (an Alertmanager webhook and a PagerDuty Events v2 routing key), then:

1. warm-up: every alert posted once, as Alertmanager webhooks of 50 alerts each and as
   PagerDuty events (creates them; ~30 incidents open through a `group_by: [alertname]`
   rule), then `ANALYZE`.
2. batched: Alertmanager webhooks of 50 alerts each, cycling through the population of
   10,000 distinct alerts (fingerprints), for `--duration` seconds: all re-sends of
   firing alerts (updates). Alerts/s, p50/p99 per request.
3. single: the same 10,000 alerts as PagerDuty `/v2/enqueue` trigger events, one per
   request, re-sent likewise. Events/s, p50/p99.
4. rate: single PagerDuty events at a fixed `--rate` (1,000/s) for `--rate-seconds`;
   p50/p99 measured from each request's scheduled start (no coordinated omission).

Beside each backend runs a real Alertmanager (`/usr/bin/prometheus-alertmanager`, null
receiver, no cluster), taking the same alerts at `POST /api/v2/alerts` with the same
client settings, in 50-alert batches and one alert per request. Its windows and
warroom's alternate (Alertmanager batched, warroom batched, Alertmanager single, warroom
single), `--rounds` times (3), and each ratio compares a pair taken side by side: this
machine's speed drifts by 20 % within minutes. The median ratio and its range are
printed. Targets (from the issue): batched >= 1.0x Alertmanager's batched rate, single
events >= 0.3x Alertmanager (printed against both its batched and its
one-alert-per-request rate), p99 <= 50 ms at 1,000 events/s.

The sustained windows use `wrk` (C, one thread, keep-alive connections, a Lua script
cycling through the pre-built requests) when it is installed, else a Python asyncio
client; the warm-up passes and the fixed-rate run always use the asyncio client. Client
and servers share the machine's cores; the CPU each server process used during a window
is printed next to its rate.

    .venv/bin/python bench/ingest.py [--backends sqlite,postgresql] [--duration 20]
        [--rounds 3] [--connections 8] [--rate 1000] [--rate-seconds 15]
        [--client auto|wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from warroom import migrations
from warroom.alerts.formats.alertmanager import fingerprint
from warroom.db import Database

PG_SERVER = os.environ.get("WARROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DB = "warroom_bench_ingest"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AM_KEY = "benchalertmanagerkey000000000000"
PD_KEY = "benchpagerdutyroutingkey00000000"
STARTS_AT = "2026-11-26T09:00:00.123456789Z"

SERVER_CONFIG = """\
integrations:
  - name: bench-alertmanager
    kind: alertmanager
    key_env: BENCH_AM_KEY
  - name: bench-pagerduty
    kind: pagerduty
    key_env: BENCH_PD_KEY
alert_routing:
  - name: by-alertname
    group_by: [alertname]
"""

AM_CONFIG = """\
route:
  receiver: "null"
  group_by: [alertname]
receivers:
  - name: "null"
"""


# --- the alerts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    labels: dict[str, str]
    annotations: dict[str, str]
    fingerprint: str


def population(size: int) -> list[Alert]:
    alerts = []
    for i in range(size):
        labels = {
            "alertname": f"Probe{i % 20}",
            "instance": f"host-{i:05d}.example.com:9100",
            "job": "node",
            "service": f"svc-{i % 10}",
            "severity": "warning",
            "cluster": "eu-west-1",
        }
        annotations = {
            "summary": f"Probe {i % 20} failing on host-{i:05d}",
            "description": "The blackbox probe has failed for 5 minutes.",
        }
        alerts.append(Alert(labels, annotations, fingerprint(labels)))
    return alerts


def webhook_body(alerts: list[Alert], n: int) -> bytes:
    """An Alertmanager webhook notification (payload version 4) carrying `alerts`."""
    return json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{batch="{n}"}}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "warroom",
            "groupLabels": {"batch": str(n)},
            "commonLabels": {"job": "node", "severity": "warning"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": [
                {
                    "status": "firing",
                    "labels": a.labels,
                    "annotations": a.annotations,
                    "startsAt": STARTS_AT,
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus:9090/graph?g0.expr=probe_success",
                    "fingerprint": a.fingerprint,
                }
                for a in alerts
            ],
        }
    ).encode()


def pagerduty_body(alert: Alert) -> bytes:
    return json.dumps(
        {
            "routing_key": PD_KEY,
            "event_action": "trigger",
            "dedup_key": alert.fingerprint,
            "payload": {
                "summary": alert.annotations["summary"],
                "source": alert.labels["instance"],
                "severity": "warning",
                "component": alert.labels["service"],
                "group": alert.labels["cluster"],
                "class": alert.labels["alertname"],
                "custom_details": alert.labels,
            },
        }
    ).encode()


def alertmanager_body(alerts: list[Alert]) -> bytes:
    """Alertmanager API v2 `postableAlerts`."""
    return json.dumps(
        [
            {
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": "2026-11-26T09:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=probe_success",
            }
            for a in alerts
        ]
    ).encode()


@dataclass(frozen=True)
class Load:
    """Pre-built request bodies for one path, and how many alerts each carries."""

    name: str
    path: str
    bodies: list[bytes]
    alerts_per_request: int


def batched(alerts: list[Alert], size: int) -> Iterator[list[Alert]]:
    for start in range(0, len(alerts), size):
        yield alerts[start : start + size]


# --- an HTTP/1.1 keep-alive client on asyncio ---------------------------------------------


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"content-length:")
        stop = head.find(b"\r\n", at)
        length = int(head[at + 15 : stop if stop > 0 else None]) if at >= 0 else 0
        if len(self.buffer) < end + 4 + length:
            return
        status = int(self.buffer[9:12])
        del self.buffer[: end + 4 + length]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("closed"))

    async def request(self, raw: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def _raw_requests(host: str, port: int, load: Load) -> list[bytes]:
    head = (
        f"POST {load.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n"
    )
    return [head.format(len(b)).encode() + b for b in load.bodies]


@dataclass
class Figures:
    requests: int
    alerts: int
    seconds: float
    latencies_ms: list[float]
    failures: int
    server_cpu: float | None = None  # CPU seconds per wall second
    # From a client that reports percentiles rather than samples (wrk):
    given_p50: float | None = None
    given_p99: float | None = None

    @property
    def alerts_per_second(self) -> float:
        return self.alerts / self.seconds

    @property
    def p50(self) -> float:
        if self.given_p50 is not None:
            return self.given_p50
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return self.given_p99 if self.given_p99 is not None else percentile(self.latencies_ms, 0.99)


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _closed_loop(
    port: int, load: Load, connections: int, *, duration: float | None, offset: int = 0
) -> Figures:
    """Each connection sends the next request as soon as its previous one is answered;
    `duration` None: every body exactly once."""
    raw = _raw_requests("127.0.0.1", port, load)
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(connections):
        _, proto = await loop.create_connection(_Connection, "127.0.0.1", port)
        conns.append(proto)
    latencies: list[float] = []
    failures = 0
    counter = offset
    total = len(raw) if duration is None else None
    started = time.perf_counter()
    deadline = started + duration if duration is not None else None

    async def run(conn: _Connection) -> None:
        nonlocal counter, failures
        while True:
            if total is not None and counter - offset >= total:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            body = raw[counter % len(raw)]
            counter += 1
            sent = time.perf_counter()
            try:
                status = await conn.request(body)
            except ConnectionError:  # the server closes the connection after a 500
                status = 599
                _, conn = await loop.create_connection(_Connection, "127.0.0.1", port)
                conns.append(conn)
            latencies.append((time.perf_counter() - sent) * 1000)
            if status >= 300:
                failures += 1

    await asyncio.gather(*(run(c) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        assert conn.transport is not None
        conn.transport.close()
    done = len(latencies)
    return Figures(done, done * load.alerts_per_request, elapsed, latencies, failures)


async def _fixed_rate(port: int, load: Load, rate: float, seconds: float) -> Figures:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    raw = _raw_requests("127.0.0.1", port, load)
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(64):
        _, proto = await loop.create_connection(_Connection, "127.0.0.1", port)
        idle.put_nowait(proto)
    latencies: list[float] = []
    failures = 0
    total = int(rate * seconds)
    started = time.perf_counter()
    pending = set()

    async def one(conn: _Connection, body: bytes, due: float) -> None:
        nonlocal failures
        status = await conn.request(body)
        latencies.append((time.perf_counter() - due) * 1000)
        if status >= 300:
            failures += 1
        idle.put_nowait(conn)

    for i in range(total):
        due = started + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        conn = await idle.get()
        task = asyncio.create_task(one(conn, raw[i % len(raw)], due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    elapsed = time.perf_counter() - started
    while not idle.empty():
        conn = idle.get_nowait()
        assert conn.transport is not None
        conn.transport.close()
    return Figures(total, total, elapsed, latencies, failures)


# --- wrk ---------------------------------------------------------------------------------

_WRK_SCRIPT = """\
local requests = {}
local count = 0
local index = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
init = function(_)
  -- wrk.headers has its Host only from here on
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    count = count + 1
    requests[count] = wrk.format(nil, os.getenv("BENCH_PATH"), nil, line)
  end
end
request = function()
  index = index + 1
  return requests[(index % count) + 1]
end
done = function(summary, latency, _)
  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


def _wrk(port: int, load: Load, connections: int, duration: float, workdir: Path) -> Figures:
    bodies = workdir / f"{load.name}.bodies"
    bodies.write_bytes(b"\n".join(load.bodies) + b"\n")
    script = workdir / "cycle.lua"
    script.write_text(_WRK_SCRIPT)
    env = {**os.environ, "BENCH_BODIES": str(bodies), "BENCH_PATH": load.path}
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    requests, micros, errors, p50, p99, _mean, _max = (int(float(v)) for v in line.split()[1:])
    return Figures(
        requests,
        requests * load.alerts_per_request,
        micros / 1e6,
        [],
        errors,
        given_p50=p50 / 1000,
        given_p99=p99 / 1000,
    )


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU used by a process and its children that are still running (the API processes
    of `warroom serve --processes N`)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url).status_code < 500:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start (exit {process.poll()})")
        time.sleep(0.1)


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))

    def sustained(self, pid: int, port: int, load: Load, offset: int = 0) -> Figures:
        before, began = cpu_seconds(pid), time.perf_counter()
        if self.use_wrk:
            figures = _wrk(port, load, self.args.connections, self.args.duration, self.workdir)
        else:
            figures = asyncio.run(
                _closed_loop(
                    port, load, self.args.connections, duration=self.args.duration, offset=offset
                )
            )
        figures.server_cpu = (cpu_seconds(pid) - before) / (time.perf_counter() - began)
        return figures

    def once(self, port: int, load: Load) -> Figures:
        return asyncio.run(_closed_loop(port, load, self.args.connections, duration=None))


def report(label: str, figures: Figures, unit: str = "alerts/s") -> None:
    cpu = f"  server CPU {figures.server_cpu:4.2f} cores" if figures.server_cpu is not None else ""
    print(
        f"  {label:<34} {figures.alerts_per_second:>9,.0f} {unit}"
        f"  ({figures.requests / figures.seconds:>7,.0f} req/s)"
        f"  p50 {figures.p50:6.1f} ms  p99 {figures.p99:6.1f} ms"
        f"{cpu}" + (f"  FAILED {figures.failures}" if figures.failures else ""),
        flush=True,
    )


@dataclass
class Alertmanager:
    """A running Alertmanager, warmed up, and its two loads."""

    pid: int
    port: int
    batch: Load
    single: Load


@contextlib.contextmanager
def alertmanager(bench: Bench, alerts: list[Alert], label: str) -> Iterator[Alertmanager]:
    workdir = bench.workdir / f"alertmanager-{label}"
    workdir.mkdir()
    (workdir / "alertmanager.yml").write_text(AM_CONFIG)
    port = free_port()
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/-/ready", process, "alertmanager")
        batch = Load(
            "am-batched",
            "/api/v2/alerts",
            [alertmanager_body(chunk) for chunk in batched(alerts, bench.args.batch)],
            bench.args.batch,
        )
        single = Load("am-single", "/api/v2/alerts", [alertmanager_body([a]) for a in alerts], 1)
        bench.once(port, batch)
        yield Alertmanager(process.pid, port, batch, single)
    finally:
        process.terminate()
        process.wait(timeout=10)


def fresh_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'ingest.db'}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return f"{PG_SERVER}/{PG_DB}"


def analyze(url: str) -> None:
    """Fresh statistics after the first pass, as autovacuum would take within a minute
    (it is off on this machine's PostgreSQL; without them the planner scans all of an
    integration's alerts for each delivery)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def _spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):5.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def compare(bench: Bench, am: Alertmanager, pid: int, port: int, loads: tuple[Load, Load]) -> None:
    """Sustained windows, Alertmanager's and warroom's alternating, `--rounds` times, so that
    each ratio compares figures taken side by side (this machine's speed drifts by 20 %
    within minutes); prints each window, then the median ratio and its range."""
    args, (batch, single) = bench.args, loads
    batched_ratios, single_ratios, single_ratios_x1 = [], [], []
    for n in range(1, args.rounds + 1):
        am_batched = bench.sustained(am.pid, am.port, am.batch)
        report(f"[{n}] Alertmanager x{args.batch}", am_batched)
        figures = bench.sustained(pid, port, batch)
        report(f"[{n}] warroom, webhooks x{args.batch}", figures)
        am_single = bench.sustained(am.pid, am.port, am.single)
        report(f"[{n}] Alertmanager x1", am_single)
        singles = bench.sustained(pid, port, single)
        report(f"[{n}] warroom, PagerDuty x1", singles, "events/s")
        if not (am_batched.alerts and am_single.alerts):
            raise RuntimeError("alertmanager figures are empty")
        batched_ratios.append(figures.alerts_per_second / am_batched.alerts_per_second)
        single_ratios.append(singles.alerts_per_second / am_batched.alerts_per_second)
        single_ratios_x1.append(singles.alerts_per_second / am_single.alerts_per_second)
    print(f"  ratios, median of {args.rounds} round(s) (min-max):")
    print(f"  batched / Alertmanager x{args.batch}: {_spread(batched_ratios)}  (target >= 1.0)")
    print(f"  single  / Alertmanager x{args.batch}: {_spread(single_ratios)}  (target >= 0.3)")
    print(f"  single  / Alertmanager x1:  {_spread(single_ratios_x1)}")


def run_warroom(bench: Bench, backend: str, alerts: list[Alert], am: Alertmanager) -> None:
    args = bench.args
    processes = args.processes or (1 if backend == "postgresql" else os.cpu_count() or 1)
    workdir = bench.workdir / backend
    workdir.mkdir()
    url = fresh_url(backend, workdir)
    db = Database(url)
    migrations.upgrade(db)
    db.dispose()
    (workdir / "warroom.yml").write_text(SERVER_CONFIG)
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": url,
        "WARROOM_CONFIG": str(workdir / "warroom.yml"),
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "WARROOM_LOG_LEVEL": "warning",
        "BENCH_AM_KEY": AM_KEY,
        "BENCH_PD_KEY": PD_KEY,
    }
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "warroom"),
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--processes",
            str(processes),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, "warroom serve")
        print(f"warroom on {backend}, {processes} API processes", flush=True)
        batch = Load(
            "batched",
            f"/api/v1/integrations/{AM_KEY}/alertmanager",
            [webhook_body(chunk, n) for n, chunk in enumerate(batched(alerts, args.batch))],
            args.batch,
        )
        single = Load("single", "/v2/enqueue", [pagerduty_body(a) for a in alerts], 1)
        report("warm-up: first pass, webhooks", bench.once(port, batch))
        report("warm-up: first pass, PagerDuty", bench.once(port, single), "events/s")
        analyze(url)
        compare(bench, am, process.pid, port, (batch, single))
        fixed = asyncio.run(_fixed_rate(port, single, args.rate, args.rate_seconds))
        report(f"PagerDuty events at {args.rate:,.0f}/s", fixed, "events/s")
        print(f"  p99 at {args.rate:,.0f} events/s: {fixed.p99:.1f} ms  (target <= 50 ms)")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            client.get("/healthz").raise_for_status()
        db = Database(url)
        with db.read() as session:
            counts = session.execute(
                text(
                    "SELECT (SELECT count(*) FROM alerts), (SELECT sum(occurrences) FROM alerts),"
                    " (SELECT count(*) FROM incidents), (SELECT count(*) FROM alert_deliveries)"
                )
            ).one()
        db.dispose()
        print(
            f"  stored: {counts[0]:,} alerts, {counts[1]:,} occurrences, "
            f"{counts[2]:,} incidents, {counts[3]:,} deliveries",
            flush=True,
        )
    except Exception:
        log.flush()
        print((workdir / "server.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--alerts", type=int, default=10_000, help="distinct alerts")
    parser.add_argument("--batch", type=int, default=50, help="alerts per webhook")
    parser.add_argument("--duration", type=float, default=20.0, help="sustained window, s")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating Alertmanager/warroom windows"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="warroom API processes (default: one per core on SQLite, 1 on PostgreSQL)",
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="fixed-rate events/s")
    parser.add_argument("--rate-seconds", type=float, default=15.0)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    alerts = population(args.alerts)
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args, Path(tmp))
        client = "wrk -t1" if bench.use_wrk else "python asyncio"
        print(
            f"{args.alerts:,} alerts, {args.batch} per webhook, {args.connections} connections,"
            f" {args.duration:.0f} s windows, client {client}, {os.cpu_count()} cores shared",
            flush=True,
        )
        for backend in args.backends.split(","):
            with alertmanager(bench, alerts, backend.strip()) as am:
                run_warroom(bench, backend.strip(), alerts, am)


if __name__ == "__main__":
    main()
