"""The API processes of `warroom serve`: one, or several sharing one port.

uvicorn starts each process from an import string, so an API process builds its app in
`app_from_environment` from the `WARROOM_*` variables that `warroom serve` sets before
starting uvicorn. Several processes use several cores (one Python process is bound to
one by the GIL); they share nothing but the database, as `warroom worker`s do.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from warroom.app import create_app
from warroom.clock import SystemClock
from warroom.config import Settings, load_config
from warroom.db import Database
from warroom.observability import configure_logging
from warroom.workers import make_worker, start_in_background

# "1": each API process also runs a job worker thread (the SQLite setup).
WORKER_ENV = "WARROOM_SERVE_WORKER"


def app_from_environment() -> FastAPI:
    """The app of one API process (uvicorn's factory)."""
    settings = Settings()
    configure_logging(settings.log_level)
    config = load_config(settings.config)
    db = Database(settings.database_url)
    clock = SystemClock()
    lifespan = _with_worker if os.environ.get(WORKER_ENV) == "1" else None
    app = create_app(db, config, clock, lifespan=lifespan)
    # What start-up loaded (runbooks, models, modules) lives as long as the process: keep
    # it out of the cyclic collector's full passes, which otherwise show up in p99 latency.
    gc.collect()
    gc.freeze()
    return app


@asynccontextmanager
async def _with_worker(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    thread, stop = start_in_background(make_worker(state.db, state.config, state.clock))
    try:
        yield
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, 30)
