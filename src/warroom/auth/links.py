"""Signed, expiring links that act without logging in (the acknowledge link in a page).

The key comes from `WARROOM_SECRET_KEY`, or is generated once and kept in the database
so every API and worker process of one installation signs alike.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from warroom.auth.models import InstanceSetting
from warroom.clock import Clock
from warroom.db import Database, upsert_insert
from warroom.errors import InvalidInputError

ACK_LINK_LIFETIME = timedelta(hours=24)
_KEY = "signing_key"


def signing_key(db: Database) -> str:
    from_env = os.environ.get("WARROOM_SECRET_KEY")
    if from_env:
        return from_env
    with db.write() as session:
        session.execute(
            upsert_insert(session)(InstanceSetting)
            .values(key=_KEY, value=secrets.token_urlsafe(32))
            .on_conflict_do_nothing(index_elements=["key"])
        )
        return str(session.scalar(select(InstanceSetting.value).where(InstanceSetting.key == _KEY)))


class LinkExpiredError(InvalidInputError):
    status = 410
    code = "expired"


@dataclass(frozen=True)
class AckGrant:
    ref: str
    person: str


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

    def token(self, ref: str, person: str) -> str:
        return str(self._serializer.dumps({"ref": ref, "person": person}))

    def url(self, ref: str, person: str) -> str:
        return f"{self.public_url}/ack/{self.token(ref, person)}"

    def read(self, token: str, max_age: timedelta = ACK_LINK_LIFETIME) -> AckGrant:
        try:
            data = self._serializer.loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpiredError("this acknowledge link has expired", field="token") from None
        except BadSignature:
            raise InvalidInputError("this acknowledge link is not valid", field="token") from None
        return AckGrant(ref=str(data["ref"]), person=str(data["person"]))
