"""Signed, expiring links that act without logging in (the acknowledge link in a page).

A link names the incident, the person paged and how many times the incident had been
reopened when it was sent, so a reopened incident's older links stop working.

The signing key lives only in `WARROOM_SECRET_KEY` (read through `warroom.settings`):
every API and worker process of one installation reads it there, and nothing stores it
beside the data it protects. (`warroom
serve` on a loopback address generates one into the 0600 credentials file, so `make run`
needs no setup; anywhere else the server refuses to start without it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from warroom import redaction
from warroom.clock import Clock
from warroom.errors import InvalidInputError
from warroom.settings import Settings

ACK_LINK_LIFETIME = timedelta(hours=24)
ACK_TOKEN_MAX = 2_000  # characters; a real token is about 150
SECRET_ENV = "WARROOM_SECRET_KEY"
MIN_SECRET_LENGTH = 32


class MissingSecretKeyError(RuntimeError):
    """The process has no usable signing key; the message says how to give it one."""


def signing_key() -> str:
    secret = Settings().secret_key
    key = secret.get_secret_value() if secret is not None else ""
    if not key:
        raise MissingSecretKeyError(
            f"{SECRET_ENV} is not set: acknowledge links need a signing key shared by every "
            f"warroom process (generate one with `python -c 'import secrets; "
            f"print(secrets.token_urlsafe(32))'`)"
        )
    if len(key) < MIN_SECRET_LENGTH:
        raise MissingSecretKeyError(
            f"{SECRET_ENV} is {len(key)} characters; use at least {MIN_SECRET_LENGTH} random ones"
        )
    redaction.remember(key)
    return key


class LinkExpiredError(InvalidInputError):
    status = 410
    code = "expired"


@dataclass(frozen=True)
class AckGrant:
    ref: str
    person: str
    times_reopened: int  # the incident's, when the link was made


class LinkedIncident(Protocol):
    @property
    def ref(self) -> str: ...

    @property
    def times_reopened(self) -> int: ...


class _ClockSigner(TimestampSigner):
    """Signs and checks expiry against warroom's clock, so tests can move time."""

    clock: Clock

    def get_timestamp(self) -> int:
        return int(self.clock.now().timestamp())


class AckLinks:
    def __init__(self, key: str, public_url: str, clock: Clock) -> None:
        signer = type("Signer", (_ClockSigner,), {"clock": clock})
        self._serializer = URLSafeTimedSerializer(key, salt="warroom-ack", signer=signer)
        self.public_url = public_url.rstrip("/")

    def token(self, incident: LinkedIncident, person: str) -> str:
        data = {"ref": incident.ref, "person": person, "reopened": incident.times_reopened}
        return str(self._serializer.dumps(data))

    def url(self, incident: LinkedIncident, person: str) -> str:
        return f"{self.public_url}/ack/{self.token(incident, person)}"

    def read(self, token: str, max_age: timedelta = ACK_LINK_LIFETIME) -> AckGrant:
        invalid = InvalidInputError("this acknowledge link is not valid", field="token")
        if len(token) > ACK_TOKEN_MAX:
            raise invalid
        try:
            data = self._serializer.loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpiredError("this acknowledge link has expired", field="token") from None
        except BadSignature:
            raise invalid from None
        # Links made before reopens were counted carry none: they are from the first opening.
        reopened = data.get("reopened", 0) if isinstance(data, dict) else None
        if not isinstance(reopened, int) or not all(
            isinstance(data.get(k), str) for k in ("ref", "person")
        ):
            raise invalid
        return AckGrant(ref=data["ref"], person=data["person"], times_reopened=reopened)
