"""Contact methods, and how each becomes an Apprise URL."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

ContactType = Literal["email", "webhook", "apprise"]


class ContactMethod(BaseModel):
    """`email` uses the SMTP settings; `webhook` POSTs JSON to a URL; `apprise` takes any
    Apprise URL (slack://, msteams://, ntfy://, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ContactType
    address: str | None = Field(default=None, description="Email address (email)")
    url: str | None = Field(default=None, description="URL (webhook, apprise)")

    @model_validator(mode="after")
    def _complete(self) -> ContactMethod:
        if self.type == "email" and not (self.address and "@" in self.address):
            raise ValueError("an email contact needs `address`")
        if self.type in ("webhook", "apprise") and not self.url:
            raise ValueError(f"a {self.type} contact needs `url`")
        if self.type == "webhook" and urlsplit(self.url or "").scheme not in ("http", "https"):
            raise ValueError("a webhook url must be http:// or https://")
        return self

    @property
    def label(self) -> str:
        if self.type == "email":
            return f"email:{self.address}"
        split = urlsplit(self.url or "")
        return f"{self.type}:{split.scheme}://{split.hostname or ''}"  # never log secrets in URLs


class SmtpSettings(BaseModel):
    """Outgoing mail; read from `WARROOM_SMTP_*` by `warroom.settings.Settings.smtp`."""

    model_config = ConfigDict(frozen=True)

    host: str = "127.0.0.1"
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "warroom@localhost"
    security: Literal["none", "starttls", "ssl"] = "none"


def apprise_url(method: ContactMethod, smtp: SmtpSettings) -> str:
    if method.type == "email":
        query = {"from": smtp.sender, "to": method.address or ""}
        if smtp.user:
            query |= {"user": smtp.user, "pass": smtp.password or ""}
        query["mode"] = {"none": "insecure", "starttls": "starttls", "ssl": "ssl"}[smtp.security]
        scheme = "mailtos" if smtp.security != "none" else "mailto"
        return f"{scheme}://{smtp.host}:{smtp.port}?{urlencode(query, quote_via=quote)}"
    if method.type == "webhook":
        split = urlsplit(method.url or "")
        scheme = "jsons" if split.scheme == "https" else "json"
        return f"{scheme}://{split.netloc}{split.path}" + (f"?{split.query}" if split.query else "")
    return method.url or ""
