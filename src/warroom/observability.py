"""warroom watching itself: health, readiness, Prometheus metrics, JSON logs."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.db import Database
from warroom.incidents.queries import open_counts_by_severity
from warroom.paging.fallback import gap_counts
from warroom.rest import error_body

log = logging.getLogger("warroom")


class Metrics:
    """One registry per app, so several apps in one process (tests) do not collide."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "warroom_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "warroom_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.intake_groups = Histogram(
            "warroom_intake_group_deliveries",
            "Deliveries (webhooks, events) stored per intake transaction (group commit), by "
            "path: resend (re-sent firing alerts only), full, failed",
            ["path"],
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=self.registry,
        )
        self._group_paths: dict[str, Any] = {}
        self.rejected_alerts = Counter(
            "warroom_intake_rejected_alerts",
            "Alerts of a notification left out because they could not be read, by format",
            ["format"],
            registry=self.registry,
        )
        self.registry.register(OpenIncidents(db))
        self.registry.register(PagingGaps(db))
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def intake_group(self, deliveries: int, path: str) -> None:
        """One intake transaction of `deliveries`, stored by `path`."""
        child = self._group_paths.get(path)
        if child is None:
            child = self._group_paths[path] = self.intake_groups.labels(path)
        child.observe(deliveries)

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count and time one request (the labelled children are looked up once)."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class OpenIncidents(Collector):
    """Open incidents by severity, read from the database at scrape time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "warroom_open_incidents", "Open incidents by severity", labels=["severity"]
        )
        for severity, count in sorted(open_counts_by_severity(self.db).items()):
            gauge.add_metric([severity], count)
        yield gauge


class PagingGaps(Collector):
    """SEV-1/SEV-2 first escalation steps that found nobody, by what the fallback did;
    read from the database, as the worker that pages may be another process."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        counter = CounterMetricFamily(
            "warroom_paging_gaps",
            "SEV-1/SEV-2 first escalation steps with nobody to page, by outcome: "
            "fallback_paged, or nobody_paged (the fallback reached nobody either)",
            labels=["outcome"],
        )
        for outcome, count in gap_counts(self.db).items():
            counter.add_metric([outcome], count)
        yield counter


class MetricsMiddleware:
    """Counts and times every request under its route template (not the raw path,
    which would make a time series per incident)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.record(method, template, status, time.perf_counter() - started)


router = APIRouter(tags=["observability"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, Any] | JSONResponse:
    db: Database = request.app.state.db
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness check failed: %s", exc)
        return JSONResponse(error_body("unavailable", f"database unreachable: {exc}"), 503)
    return {"status": "ready", "database": db.dialect}


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def configure_logging(level: str = "info", *, access_log: bool = False) -> None:
    """JSON lines on stderr, for warroom and uvicorn alike (its access log when asked
    for), with no terminal colour codes and no secrets: uvicorn passes a coloured copy of
    some messages as `color_message`, which a JSON formatter would otherwise print as one
    more field; every text field is scrubbed (`warroom.redaction`)."""
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.json import JsonFormatter

    from warroom.redaction import scrub

    class PlainJsonFormatter(JsonFormatter):
        def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
            return {
                key: scrub(_ANSI.sub("", value)) if isinstance(value, str) else value
                for key, value in log_data.items()
            }

    handler = logging.StreamHandler()
    handler.setFormatter(
        PlainJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            timestamp=True,
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # Propagating to the root handler would otherwise turn uvicorn's access log back on.
    logging.getLogger("uvicorn.access").disabled = not access_log
