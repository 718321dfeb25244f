"""Creating, checking, listing and revoking API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from warroom.auth import rules
from warroom.auth.models import ApiToken
from warroom.auth.rules import Role
from warroom.auth.schemas import TokenCreated, TokenOut
from warroom.db import Database
from warroom.errors import ConflictError, InvalidInputError, NotFoundError, UnauthorizedError

TOKEN_PREFIX = "wr_"
log = logging.getLogger("warroom.auth")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: the token's owner is the actor on every event."""

    name: str
    role: Role
    token_id: int
    last_used_at: datetime | None = None


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; no salt or KDF needed.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, *, name: str, role: str, now: datetime, expires: str | None = None
) -> str:
    """Store a new token and return it; this is the only time it is visible."""
    return _create(session, name=name, role=role, now=now, expires=expires)[0]


def _create(
    session: Session, *, name: str, role: str, now: datetime, expires: str | None
) -> tuple[str, ApiToken]:
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
    try:
        lifetime = rules.lifetime(expires) if expires is not None else None
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="expires") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=parsed.value,
        token_hash=hash_token(token),
        prefix=token[:10],
        created_at=now,
        expires_at=now + lifetime if lifetime is not None else None,
    )
    session.add(row)
    session.flush()
    return token, row


def authenticate(session: Session, token: str, now: datetime) -> Principal:
    """The token's owner; refused when unknown, revoked or expired. Read from the database
    every time (no cache), so a revocation holds in every process at once."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("invalid or revoked token")
    if rules.expired(row.expires_at, now):
        raise UnauthorizedError("this token has expired; ask an admin for a new one")
    return Principal(
        name=row.name, role=Role(row.role), token_id=row.id, last_used_at=row.last_used_at
    )


def record_use(session: Session, token_id: int, now: datetime) -> None:
    """Note that the token was used now, unless another request did within the minute."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - rules.LAST_USED_EVERY,
            ),
        )
        .values(last_used_at=now)
    )


def token_is_valid(session: Session, token: str, now: datetime) -> bool:
    try:
        authenticate(session, token, now)
    except UnauthorizedError:
        return False
    return True


# --- verbs (one transaction each; the REST face and the local CLI call these) ----------


def create(
    db: Database, *, name: str, role: str, expires: str | None, now: datetime
) -> TokenCreated:
    with db.write() as session:
        token, row = _create(session, name=name, role=role, now=now, expires=expires)
        return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=token)


def list_tokens(db: Database) -> list[TokenOut]:
    with db.read() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id))
        return [TokenOut.model_validate(row) for row in rows]


def revoke(db: Database, which: str, *, now: datetime, by: str) -> TokenOut:
    with db.write() as session:
        return TokenOut.model_validate(_revoke(session, which, now=now, by=by))


def _revoke(session: Session, which: str, *, now: datetime, by: str) -> ApiToken:
    """Revoke a token given its id, or its name when one unrevoked token has it.
    Revoking a revoked token changes nothing."""
    which = which.strip()
    if which.isdigit():
        row = session.get(ApiToken, int(which), with_for_update=True)
        if row is None:
            raise NotFoundError(f"no token with id {which}", field="token")
    else:
        rows = list(
            session.scalars(
                select(ApiToken)
                .where(ApiToken.name == which, ApiToken.revoked_at.is_(None))
                .order_by(ApiToken.id)
                .with_for_update()
            )
        )
        if not rows:
            raise NotFoundError(f"no unrevoked token named {which!r}", field="token")
        if len(rows) > 1:
            ids = ", ".join(str(r.id) for r in rows)
            raise ConflictError(
                f"{len(rows)} tokens are named {which!r}; revoke one by its id ({ids})",
                field="token",
            )
        row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = now
        log.info("token %s (%s, %s) revoked by %s", row.id, row.name, row.role, by)
    return row
