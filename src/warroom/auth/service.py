"""Creating and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import ApiToken
from warroom.auth.rules import Role
from warroom.errors import InvalidInputError, UnauthorizedError

TOKEN_PREFIX = "wr_"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the token's owner is the actor on every event."""

    name: str
    role: Role
    token_id: int


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; no salt or KDF needed.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: str, now: datetime) -> str:
    """Store a new token and return it; this is the only time it is visible."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInputError("name must be 1-200 characters", field="name")
    try:
        parsed = Role(role)
    except ValueError:
        accepted = ", ".join(r.value for r in Role)
        raise InvalidInputError(
            f"unknown role {role!r}; accepted: {accepted}", field="role"
        ) from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            role=parsed.value,
            token_hash=hash_token(token),
            prefix=token[:10],
            created_at=now,
        )
    )
    session.flush()
    return token


def authenticate(session: Session, token: str) -> Principal:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("invalid or revoked token")
    return Principal(name=row.name, role=Role(row.role), token_id=row.id)


def token_is_valid(session: Session, token: str) -> bool:
    try:
        authenticate(session, token)
    except UnauthorizedError:
        return False
    return True
