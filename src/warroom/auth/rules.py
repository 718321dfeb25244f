"""Roles and what they allow; when a token has expired or its last use is worth writing.
Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from warroom.runbooks.durations import DurationError, parse_duration

# A token's last use is recorded at most this often, so a busy client does not turn
# every request into a write.
LAST_USED_EVERY = timedelta(minutes=1)
LONGEST_LIFETIME = timedelta(days=3650)


class Role(StrEnum):
    viewer = "viewer"  # reads everything
    responder = "responder"  # runs incidents
    admin = "admin"  # everything, including tokens and configuration

    @property
    def level(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.level >= needed.level


def expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def last_use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    """True when the recorded last use is old enough to be written again."""
    return last_used_at is None or now - last_used_at >= LAST_USED_EVERY


def lifetime(text: str) -> timedelta:
    """`90d`, `12h`, `2w`…: how long a new token lives. ValueError saying why not."""
    try:
        value = parse_duration(text)
    except DurationError:
        raise ValueError(f"cannot read {text!r} as a duration; use e.g. 90d, 12h or 2w") from None
    if value <= timedelta(0):
        raise ValueError("a token must live for some time; use e.g. 90d")
    if value > LONGEST_LIFETIME:
        raise ValueError("at most 3650d; leave it out for a token that does not expire")
    return value
