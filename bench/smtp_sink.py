"""An SMTP receiver for the benchmarks (aiosmtpd): when each page arrived, by subject and
`X-Warroom-Page` key."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

REF = re.compile(r"incident-\d{4}-\d{2}-\d{2}-\d+")


@dataclass
class Received:
    at: float  # time.monotonic()
    subject: str
    key: str


@dataclass
class Mailbox:
    mails: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.monotonic()
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.mails.append(
                Received(at, str(message["Subject"] or ""), str(message["X-Warroom-Page"] or ""))
            )
        return "250 OK"

    def first_page_at(self) -> dict[str, float]:
        """Per incident ref, when its first page arrived."""
        first: dict[str, float] = {}
        with self.lock:
            for mail in self.mails:
                match = REF.search(mail.subject)
                if match and match.group(0) not in first:
                    first[match.group(0)] = mail.at
        return first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_receiver() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
