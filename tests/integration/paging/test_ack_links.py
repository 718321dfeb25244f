"""The acknowledge link of a page, over real HTTP on loopback, as a mail client's link
previewer and a person's browser use it: fetching the link shows the incident and a
button; only the button's POST acknowledges. Real SMTP receiver, the real worker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.receivers import SmtpReceiver
from warroom.config import Config, parse_config
from warroom.engine.worker import Worker
from warroom.incidents.queries import by_ref
from warroom.notify.contacts import SmtpSettings
from warroom.notify.sender import AppriseSender
from warroom.paging.pages import message_for
from warroom.workers import ack_links, make_worker

CONFIG = """
people:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
escalation_policies:
  - name: alice-then-bob
    steps:
      - {after: 0m, targets: [person:alice]}
      - {after: 5m, targets: [person:bob]}
services:
  - {name: checkout, escalation_policy: alice-then-bob}
"""
TITLE = "Checkout <script>alert('x')</script> & 500s"


@pytest.fixture
def config(api: Api) -> Config:
    config = parse_config(CONFIG)
    api.configure(config)
    return config


@pytest.fixture
def worker(api: Api, config: Config, smtp_receiver: SmtpReceiver) -> Worker:
    smtp_receiver.clear()
    sender = AppriseSender(SmtpSettings(host="127.0.0.1", port=smtp_receiver.port))
    links = ack_links(api.db, api.clock, public_url=api.url)
    return make_worker(api.db, config, api.clock, sender=sender, links=links, name="ack-worker")


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """No token, no cookies kept: what a person's browser or a link previewer has."""
    with httpx.Client(timeout=60, cookies=None) as client:
        yield client


def declare(http: httpx.Client) -> str:
    body = {"title": TITLE, "severity": "sev-1", "services": ["checkout"]}
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def link_in(mail_body: str) -> str:
    found = re.search(r"Acknowledge: (http://\S+/ack/\S+)", mail_body)
    assert found is not None, mail_body
    return found.group(1)


def paged_link(smtp_receiver: SmtpReceiver, address: str) -> str:
    mails = smtp_receiver.to(address)
    assert mails, f"{address} was not paged"
    return link_in(mails[-1].body)


def press_button(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Submit the page's form as a browser would: its action, its hidden fields."""
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert action is not None, page.text
    return browser.post(action.group(1), data=fields)


def incident(http: httpx.Client, ref: str) -> dict[str, Any]:
    return dict(http.get(f"/api/v1/incidents/{ref}").json())


def test_fetching_the_link_shows_the_incident_and_only_the_button_acknowledges(
    http: httpx.Client, api: Api, worker: Worker, smtp_receiver: SmtpReceiver, browser: httpx.Client
) -> None:
    ref = declare(http)
    worker.run_until_idle()
    link = paged_link(smtp_receiver, "alice@example.com")

    # A link previewer fetches the link, more than once: nothing changes.
    for _ in range(3):
        page = browser.get(link)
        assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert f"Acknowledge {ref}?" in page.text
    assert "SEV-1" in page.text
    assert "investigating, not acknowledged" in page.text
    assert "Checkout &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 500s" in page.text
    assert "<script>" not in page.text
    assert "Acknowledge as alice" in page.text
    assert incident(http, ref)["acknowledged_at"] is None
    kinds = [e["kind"] for e in http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]]
    assert "incident_acknowledged" not in kinds
    # ... so escalation goes on: the next step pages bob.
    api.clock.advance(timedelta(minutes=5))
    worker.run_until_idle()
    assert len(smtp_receiver.to("bob@example.com")) == 1

    api.clock.advance(timedelta(minutes=1))
    done = press_button(browser, page)
    assert done.status_code == 200, done.text
    assert f"Acknowledged {ref}" in done.text
    assert "Paging for this incident has stopped." in done.text
    acknowledged = incident(http, ref)
    assert acknowledged["acknowledged_by"] == "alice"
    assert acknowledged["acknowledged_at"] == "2025-11-01T12:06:00Z"

    # Afterwards the link shows who acknowledged, with no button; a second press is harmless.
    again = browser.get(link)
    assert again.status_code == 200
    assert f"{ref} is acknowledged" in again.text
    assert "acknowledged by alice at 2025-11-01 12:06:00 UTC" in again.text
    assert "<form" not in again.text
    bob_page = browser.get(paged_link(smtp_receiver, "bob@example.com"))
    assert bob_page.status_code == 200
    assert "<form" not in bob_page.text
    twice = press_button(browser, page)
    assert twice.status_code == 200
    assert f"{ref} was already acknowledged" in twice.text
    assert incident(http, ref)["acknowledged_at"] == "2025-11-01T12:06:00Z"


def test_the_link_stops_working_when_resolved_and_a_reopened_incident_has_new_links(
    http: httpx.Client, api: Api, worker: Worker, smtp_receiver: SmtpReceiver, browser: httpx.Client
) -> None:
    ref = declare(http)
    worker.run_until_idle()
    link = paged_link(smtp_receiver, "alice@example.com")
    page = browser.get(link)
    assert page.status_code == 200

    resolved = http.post(f"/api/v1/incidents/{ref}/resolve", json={"summary": "restarted"})
    assert resolved.status_code == 200, resolved.text
    for answer in (browser.get(link), press_button(browser, page)):
        assert answer.status_code == 410
        assert f"{ref} is resolved; this link no longer works" in answer.text
    assert incident(http, ref)["acknowledged_at"] is None

    reopened = http.post(f"/api/v1/incidents/{ref}/reopen", json={"reason": "errors again"})
    assert reopened.status_code == 200, reopened.text
    for answer in (browser.get(link), press_button(browser, page)):
        assert answer.status_code == 410
        assert f"{ref} was reopened after this link was sent" in answer.text
    assert incident(http, ref)["acknowledged_at"] is None

    # A page sent now carries a new link, and that one works.
    links = ack_links(api.db, api.clock, public_url=api.url)
    with api.db.read() as session:
        _, body = message_for(by_ref(session, ref), "alice", links, "escalation")
    fresh = link_in(body)
    assert fresh != link
    new_page = browser.get(fresh)
    assert new_page.status_code == 200, new_page.text
    assert press_button(browser, new_page).status_code == 200
    assert incident(http, ref)["acknowledged_by"] == "alice"


def test_the_link_acts_only_for_configured_people(
    http: httpx.Client,
    api: Api,
    config: Config,
    worker: Worker,
    smtp_receiver: SmtpReceiver,
    browser: httpx.Client,
) -> None:
    ref = declare(http)
    worker.run_until_idle()
    links = ack_links(api.db, api.clock, public_url=api.url)
    with api.db.read() as session:
        stranger = links.url(by_ref(session, ref), "mallory")
    answer = browser.get(stranger)
    assert answer.status_code == 403
    assert "not among the configured people" in answer.text
    token = stranger.rsplit("/", 1)[1]
    assert browser.post(f"{api.url}/ack", data={"token": token}).status_code == 403

    # alice's own link stops working once she is no longer in the configuration.
    link = paged_link(smtp_receiver, "alice@example.com")
    page = browser.get(link)
    assert page.status_code == 200
    api.configure(parse_config(CONFIG.replace("alice", "amy")))
    assert browser.get(link).status_code == 403
    assert press_button(browser, page).status_code == 403
    assert incident(http, ref)["acknowledged_at"] is None


def test_a_bad_form_or_link_is_refused_naming_what_is_wrong(
    http: httpx.Client, api: Api, worker: Worker, smtp_receiver: SmtpReceiver, browser: httpx.Client
) -> None:
    ref = declare(http)
    worker.run_until_idle()
    link = paged_link(smtp_receiver, "alice@example.com")
    page = browser.get(link)
    url = f"{api.url}/ack"
    assert browser.get(f"{api.url}/ack/forged").status_code == 422
    assert browser.post(url, data={"token": "forged"}).status_code == 422
    missing = browser.post(url, data={"other": "x"})
    assert missing.status_code == 422
    assert "the form has no token" in missing.text
    assert browser.post(url, content=b"\xff\xfe").status_code == 422
    assert browser.post(url, data={"token": "x" * 20_000}).status_code == 413
    assert incident(http, ref)["acknowledged_at"] is None
    api.clock.advance(timedelta(hours=25))
    assert browser.get(link).status_code == 410
    expired = press_button(browser, page)
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert incident(http, ref)["acknowledged_at"] is None
