"""Fixtures for the paging tests: a real SMTP receiver and a worker built from a config."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.receivers import SmtpReceiver, start_smtp
from warroom.config import parse_config
from warroom.engine.worker import Worker
from warroom.notify.contacts import SmtpSettings
from warroom.notify.sender import AppriseSender
from warroom.workers import ack_links, make_worker


@pytest.fixture(scope="session")
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver, controller = start_smtp()
    yield receiver
    controller.stop()


@pytest.fixture
def inbox(smtp_receiver: SmtpReceiver) -> SmtpReceiver:
    smtp_receiver.clear()
    return smtp_receiver


@pytest.fixture
def pager(api: Api, inbox: SmtpReceiver) -> Callable[[str], Worker]:
    """Configure the live server from YAML text; returns the real worker that pages by
    mail to `inbox`, on the test's driven clock."""

    def configure(text: str) -> Worker:
        config = parse_config(text)
        api.configure(config)
        sender = AppriseSender(SmtpSettings(host="127.0.0.1", port=inbox.port))
        links = ack_links(api.db, api.clock, public_url=api.url)
        return make_worker(api.db, config, api.clock, sender=sender, links=links, name="pager")

    return configure


def timeline(http: httpx.Client, ref: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The incident's timeline events (of one kind), each with its `text`."""
    items = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    return [e for e in items if kind is None or e["kind"] == kind]


def declare(http: httpx.Client, **body: Any) -> dict[str, Any]:
    """Declare through the API (a SEV-1 "Checkout API returns 500s" unless `body` says
    otherwise); the answer."""
    payload = {"title": "Checkout API returns 500s", "severity": "sev-1", **body}
    response = http.post("/api/v1/incidents", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())
