"""Sending one message to one contact method, through Apprise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

import apprise

from warroom import redaction
from warroom.notify.contacts import ContactMethod, SmtpSettings, apprise_url


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    key: str  # idempotency key; sent as X-Warroom-Page so receivers can drop repeats


class SendError(Exception):
    pass


class Sender(Protocol):
    def send(self, method: ContactMethod, message: Message) -> None: ...


class AppriseSender:
    def __init__(self, smtp: SmtpSettings | None = None) -> None:
        self.smtp = smtp or SmtpSettings()  # the process's own come from Settings().smtp
        redaction.remember(self.smtp.password)

    def send(self, method: ContactMethod, message: Message) -> None:
        url = apprise_url(method, self.smtp)
        header = f"+X-Warroom-Page={quote(message.key, safe='')}"
        url += ("&" if "?" in url else "?") + header
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise SendError(f"Apprise cannot use the {method.label} contact")
        if not notifier.notify(title=message.title, body=message.body):
            raise SendError(f"sending to {method.label} failed")
