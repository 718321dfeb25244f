"""Recurring engine work for alerts: resolving alerts that stopped being re-sent, and
health checks. Each run plans the next one under a key derived from its time slot, so
any number of workers plan it once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx

from warroom.alerts import quiet
from warroom.alerts.expired import resolve_expired
from warroom.alerts.formats.model import AlertEvent
from warroom.alerts.intake.ingest import ingest
from warroom.alerts.intake.receipts import prune_deliveries
from warroom.alerts.integrations import Sender
from warroom.alerts.models import HealthCheckState
from warroom.alerts.schemas import HealthCheckConfig, seconds
from warroom.clock import Clock
from warroom.config import Config
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.housekeeping import prune_finished_jobs
from warroom.engine.worker import Handler, JobRun, PermanentJobError

log = logging.getLogger("warroom.alerts")

SWEEP = "alert_sweep"
HEALTH = "health_check"
SWEEP_EVERY = timedelta(seconds=30)


def _next_slot(now: datetime, every: timedelta) -> datetime:
    step = every.total_seconds()
    return datetime.fromtimestamp((now.timestamp() // step + 1) * step, UTC)


def _plan(db: Database, kind: str, name: str, every: timedelta, now: datetime) -> None:
    due = _next_slot(now, every)
    with db.write() as session:
        engine.enqueue(
            session,
            kind=kind,
            key=f"{kind}:{name}:{int(due.timestamp())}",
            due_at=due,
            now=now,
            payload={"name": name},
            max_attempts=1,  # the next slot is the retry
        )


def plan_recurring(db: Database, config: Config, clock: Clock) -> None:
    """Make sure the next sweep and every health check's next run are planned."""
    now = clock.now()
    _plan(db, SWEEP, "alerts", SWEEP_EVERY, now)
    for check in config.health_checks:
        _plan(db, HEALTH, check.name, timedelta(seconds=seconds(check.interval) or 30), now)


def run_sweep(run: JobRun) -> None:
    now = run.clock.now()
    try:
        resolved = resolve_expired(run.db, run.config, now)
        if resolved:
            log.info("resolved %s alerts that were not re-sent in time", resolved)
        prune_finished_jobs(run.db, now)
        prune_deliveries(run.db, run.config, now)
    finally:
        _plan(run.db, SWEEP, "alerts", SWEEP_EVERY, now)


def _probe(check: HealthCheckConfig) -> tuple[bool, str]:
    try:
        response = httpx.get(check.url, timeout=seconds(check.timeout) or 5, follow_redirects=True)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    ok = response.status_code in check.expected_status
    return ok, f"HTTP {response.status_code}"


def run_health_check(run: JobRun) -> None:
    name = str(run.job.payload["name"])
    check = next((c for c in run.config.health_checks if c.name == name), None)
    if check is None:
        raise PermanentJobError(f"health check {name} is no longer configured")
    try:
        ok, detail = _probe(check)
        now = run.clock.now()
        with run.db.write() as session:
            state = session.get(HealthCheckState, name, with_for_update=True)
            if state is None:
                state = HealthCheckState(name=name, failures=0, successes=0, alerting=False)
                session.add(state)
            state.last_checked_at, state.last_result = now, detail
            if ok:
                state.successes, state.failures = state.successes + 1, 0
            else:
                state.failures, state.successes = state.failures + 1, 0
            action = None
            if not ok and not state.alerting and state.failures >= check.failures_before_alert:
                state.alerting, action = True, "trigger"
            elif ok and state.alerting and state.successes >= check.recoveries_before_resolve:
                state.alerting, action = False, "resolve"
            failures = state.failures
        if action:
            event = AlertEvent(
                source="healthcheck",
                action=action,  # type: ignore[arg-type]
                dedup_key=f"healthcheck:{name}",
                summary=f"Health check {name} failing: {detail} from {check.url}",
                severity=check.severity,
                service=check.service,
                labels={"check": name},
                details={"url": check.url, "result": detail, "consecutive_failures": failures},
            )
            sender = Sender(scope="healthcheck", name=f"healthcheck:{name}", service=check.service)
            ingest(run.db, run.config, now, sender, [event])
    finally:
        every = timedelta(seconds=seconds(check.interval) or 30)
        _plan(run.db, HEALTH, name, every, run.clock.now())


def handlers() -> dict[str, Handler]:
    return {
        SWEEP: run_sweep,
        HEALTH: run_health_check,
        quiet.MONITORING_RESOLVE: quiet.run_monitoring_resolve,
    }
