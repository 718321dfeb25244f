"""The ASGI application: wires the routers of every domain to one database and config."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from warroom import __version__
from warroom.alerts import webhooks
from warroom.alerts.api import router as alerts_router
from warroom.alerts.intake.writer import IntakeWriter
from warroom.alerts.integrations import sync_config_integrations
from warroom.apidocs import install_docs
from warroom.auth.api import router as tokens_router
from warroom.clock import Clock, SystemClock
from warroom.config import Config
from warroom.db import Database
from warroom.incidents.api import playbook_router
from warroom.incidents.api import router as incidents_router
from warroom.observability import Metrics, MetricsMiddleware
from warroom.observability import router as observability_router
from warroom.paging.acklink.api import router as ack_link_router
from warroom.paging.api import router as paging_router
from warroom.rest import ERROR_RESPONSES, install_error_handlers
from warroom.tasks.api import router as tasks_router
from warroom.workers import ack_links

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Warroom(FastAPI):
    """FastAPI, except that alert intake, by far the busiest path, is answered before the
    middleware stack (`alerts.webhooks.answer` does what the stack would)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = webhooks.intake_route(scope)
        if route is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await webhooks.answer(route, scope, receive, send, self.state.metrics)


def create_app(
    db: Database,
    config: Config | None = None,
    clock: Clock | None = None,
    *,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan_with_intake(app: FastAPI) -> AsyncIterator[None]:
        app.state.intake.serve_on_loop()
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            await app.state.intake.aclose()

    app = Warroom(
        lifespan=lifespan_with_intake,
        title="warroom",
        version=__version__,
        description="Incident response that runs your runbook.",
        docs_url=None,  # install_docs serves them, with their assets
        redoc_url=None,
    )
    app.state.db = db
    app.state.config = config or Config()
    app.state.clock = clock or SystemClock()
    app.state.metrics = Metrics(db)
    app.state.ack_links = ack_links(db, app.state.clock)
    app.state.intake = IntakeWriter(
        db,
        lambda: (app.state.config, app.state.clock),
        on_commit=app.state.metrics.intake_group,
    )
    sync_config_integrations(db, app.state.config, app.state.clock.now())
    install_error_handlers(app)
    install_docs(app)
    app.include_router(observability_router)
    app.include_router(incidents_router, responses=ERROR_RESPONSES)
    app.include_router(tasks_router, responses=ERROR_RESPONSES)
    app.include_router(playbook_router, responses=ERROR_RESPONSES)
    app.include_router(paging_router, responses=ERROR_RESPONSES)
    app.include_router(ack_link_router)  # HTML pages: it declares its own answers
    app.include_router(alerts_router, responses=ERROR_RESPONSES)
    app.include_router(tokens_router, responses=ERROR_RESPONSES)
    app.include_router(webhooks.router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)

    @app.get("/", include_in_schema=False)
    def root() -> dict[str, str]:
        return {"name": "warroom", "version": __version__, "docs": "/docs", "api": "/api/v1"}

    return app
