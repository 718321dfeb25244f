"""The API processes of `warroom serve`: one, or several sharing one port.

uvicorn starts each process from an import string, so an API process builds its app in
`app_from_environment` from the `WARROOM_*` variables that `warroom serve` sets before
starting uvicorn. Several processes use several cores (one Python process is bound to
one by the GIL); they share nothing but the database, as `warroom worker`s do.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType

from fastapi import FastAPI

from warroom.app import create_app
from warroom.clock import SystemClock
from warroom.config import Settings, load_config
from warroom.db import Database
from warroom.observability import configure_logging
from warroom.workers import make_worker, start_in_background

# "1": each API process also runs a job worker thread (the SQLite setup).
WORKER_ENV = "WARROOM_SERVE_WORKER"
FACTORY = "warroom.serving:app_from_environment"
log = logging.getLogger("warroom")


def run(host: str, port: int, processes: int) -> None:
    """Serve until told to stop: in this process, or in `processes` child processes."""
    import uvicorn

    if processes > 1 and sys.platform == "linux":
        _supervise(host, port, processes)
        return
    # One process; or, where SO_REUSEPORT does not balance, several sharing one socket.
    workers = processes if processes > 1 else None
    uvicorn.run(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=Settings().access_log,
    )


def _supervise(host: str, port: int, processes: int) -> None:
    """N API processes, each listening on the port with its own SO_REUSEPORT socket, so
    the kernel spreads connections over them by address. With one shared socket the
    process that woke first took nearly all of a client's burst of keep-alive
    connections (8 from one client: 8/0, 7/1, 6/2 splits), and the others idled. A
    process that dies is started again."""
    try:
        _listening(host, port).close()  # the port is free (say so here, not in N children)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", host, port, exc)
        raise SystemExit(1) from None
    spawn = multiprocessing.get_context("spawn")

    def started() -> multiprocessing.process.BaseProcess:
        child = spawn.Process(target=_serve_one, args=(host, port))
        child.start()
        return child

    children = [started() for _ in range(processes)]
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    while not stopping:
        for index, child in enumerate(children):
            if not child.is_alive() and not stopping:
                log.warning(
                    "API process %s exited (%s); starting another", child.pid, child.exitcode
                )
                children[index] = started()
        time.sleep(0.5)
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: uvicorn finishes the requests in flight
    for child in children:
        child.join()


def _listening(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _serve_one(host: str, port: int) -> None:
    import uvicorn

    sock = _listening(host, port)
    config = uvicorn.Config(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=Settings().access_log,
    )
    uvicorn.Server(config).run(sockets=[sock])


def app_from_environment() -> FastAPI:
    """The app of one API process (uvicorn's factory)."""
    settings = Settings()
    configure_logging(settings.log_level, access_log=settings.access_log)
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
