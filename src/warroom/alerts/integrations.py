"""Integrations: senders of alerts, each with one secret key and one format.

Only a key's SHA-256 is stored; the key itself is shown once, when it is created (or
read from the environment for one declared in the YAML file).

Looking a key up is on every intake request, so each process remembers answers briefly:
a known key for `KNOWN_TTL` (50 ms, so a revocation holds in every process within that,
with no cross-process signalling to fail), an unknown or revoked key for `UNKNOWN_TTL`
(a flood of wrong keys then costs no query each; a new key is random, so no one can have
tried it before it existed, and a restored key works everywhere within that time).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from warroom import redaction
from warroom.alerts import stale
from warroom.alerts.formats.registry import FORMATS, WEBHOOK_PATH
from warroom.alerts.models import Integration
from warroom.alerts.schemas import IntegrationIn, IntegrationOut, seconds
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.errors import ConflictError, NotFoundError

KNOWN_TTL = 0.05
UNKNOWN_TTL = 10.0
UNKNOWN_CAPACITY = 10_000
VALID_LATELY = 600.0  # how long a key that worked is exempt from the unknown-key limit


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Sender:
    """Who delivered the alerts: an integration, or a person through the API."""

    scope: str
    name: str
    integration_id: int | None = None
    kind: str | None = None  # an integration's: the one format it may send
    service: str | None = None
    resolve_timeout: int | None = None
    rate_limit_per_minute: int | None = None

    @property
    def actor(self) -> str:
        return f"integration:{self.name}" if self.integration_id else self.name


class _Answers:
    """Recent answers of one process, per database: key hash -> (expiry, sender or None)."""

    def __init__(self) -> None:
        self._by_db: weakref.WeakKeyDictionary[
            Database, OrderedDict[str, tuple[float, Sender | None]]
        ] = weakref.WeakKeyDictionary()
        self._cleared: weakref.WeakKeyDictionary[Database, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, db: Database, key_hash: str) -> tuple[bool, Sender | None]:
        """(found, sender): found is False when the database must be asked."""
        entries = self._by_db.get(db)
        entry = entries.get(key_hash) if entries is not None else None
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, db: Database, key_hash: str, sender: Sender | None, since: float) -> None:
        ttl = KNOWN_TTL if sender is not None else UNKNOWN_TTL
        with self._lock:
            if since < self._cleared.get(db, 0.0):
                return  # a change in this process after the lookup began wins
            entries = self._by_db.setdefault(db, OrderedDict())
            entries[key_hash] = (since + ttl, sender)
            entries.move_to_end(key_hash)
            while len(entries) > UNKNOWN_CAPACITY:
                entries.popitem(last=False)

    def clear(self, db: Database) -> None:
        with self._lock:
            self._by_db.pop(db, None)
            self._cleared[db] = time.monotonic()


_ANSWERS = _Answers()
_VALID: OrderedDict[str, float] = OrderedDict()  # key hash -> when it last worked
_VALID_LOCK = threading.Lock()


def seen_valid(key: str) -> bool:
    """Whether `key` worked in this process lately (it is still looked up each time)."""
    at = _VALID.get(hash_key(key))
    return at is not None and time.monotonic() - at < VALID_LATELY


def remembered(db: Database, key: str) -> tuple[bool, Sender | None]:
    """This process's recent answer for `key`, without a query: (False, None) means
    "ask `find_integration`"."""
    return _ANSWERS.get(db, hash_key(key))


def find_integration(db: Database, key: str) -> Sender | None:
    """The active integration of `key`, or None for an unknown or revoked key."""
    key_hash = hash_key(key)
    found, sender = _ANSWERS.get(db, key_hash)
    if found:
        return sender
    since = time.monotonic()
    with db.read() as session:
        row = session.scalar(select(Integration).where(Integration.key_hash == key_hash))
    if row is not None and row.revoked_at is None:
        sender = Sender(
            scope=f"integration:{row.id}",
            name=row.name,
            integration_id=row.id,
            kind=row.kind,
            service=row.service,
            resolve_timeout=row.resolve_timeout_seconds,
            rate_limit_per_minute=row.rate_limit_per_minute,
        )
    _ANSWERS.put(db, key_hash, sender, since)
    if sender is not None:
        with _VALID_LOCK:
            _VALID[key_hash] = since
            _VALID.move_to_end(key_hash)
            if len(_VALID) > UNKNOWN_CAPACITY:
                _VALID.popitem(last=False)
    return sender


def intake_urls(kind: str, base: str = "", key: str = "{key}") -> dict[str, str]:
    """Where an integration of `kind` sends: its format's URLs (a webhook URL, or for
    PagerDuty the Events API v2: alert and change events, the key as `routing_key`)."""
    format_ = FORMATS.get(kind)
    if format_ is None:
        return {kind: base + WEBHOOK_PATH.format(key=key, name=kind)}
    return format_.urls(base, key)


def _out(row: Integration, key: str | None = None, base: str = "") -> IntegrationOut:
    return IntegrationOut(
        name=row.name,
        kind=row.kind,
        service=row.service,
        resolve_timeout_seconds=row.resolve_timeout_seconds,
        from_config=row.from_config,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        key=key,
        urls=intake_urls(row.kind, base, key) if key else {},
        warnings=[w for w in [stale.warning(row.kind, row.resolve_timeout_seconds)] if w],
    )


def create_integration(
    db: Database, ctx: Context, data: IntegrationIn, base_url: str
) -> IntegrationOut:
    key = secrets.token_hex(16)  # 32 characters, like a PagerDuty routing key
    with db.write() as session:
        if session.scalar(select(Integration.id).where(Integration.name == data.name)):
            raise ConflictError(f"an integration named {data.name} exists", field="name")
        row = Integration(
            name=data.name,
            kind=data.kind,
            key_hash=hash_key(key),
            service=data.service,
            resolve_timeout_seconds=seconds(data.resolve_timeout),
            rate_limit_per_minute=data.rate_limit_per_minute,
            created_at=ctx.now,
        )
        session.add(row)
        session.flush()
        return _out(row, key, base_url)


def list_integrations(db: Database) -> list[IntegrationOut]:
    with db.read() as session:
        return [_out(r) for r in session.scalars(select(Integration).order_by(Integration.name))]


def _named(db: Database, ctx: Context, name: str, *, revoked: bool) -> IntegrationOut:
    with db.write() as session:
        row = session.scalar(select(Integration).where(Integration.name == name))
        if row is None:
            raise NotFoundError(f"no integration {name}", field="name")
        if revoked:
            row.revoked_at = row.revoked_at or ctx.now
        else:
            row.revoked_at = None
        out = _out(row)
    _ANSWERS.clear(db)  # after the commit, so no lookup can remember the old row again
    return out


def revoke_integration(db: Database, ctx: Context, name: str) -> IntegrationOut:
    """Refused from now on, in every process within `KNOWN_TTL`, restarts included."""
    return _named(db, ctx, name, revoked=True)


def restore_integration(db: Database, ctx: Context, name: str) -> IntegrationOut:
    """Undo a revocation: the same key works again."""
    return _named(db, ctx, name, revoked=False)


def sync_config_integrations(db: Database, config: Config, now: datetime) -> None:
    """Integrations declared in the YAML file exist in the database with their key. A
    revoked one stays revoked until the file gives it another key (or an admin restores
    it): restarting must not bring a revoked key back to life."""
    with db.write() as session:
        for item in config.integrations:
            key = item.key()
            if key is None:
                continue
            redaction.remember(key)
            row = session.scalar(select(Integration).where(Integration.name == item.name))
            if row is None:
                row = Integration(name=item.name, created_at=now, from_config=True)
                session.add(row)
            new_key = hash_key(key)
            if row.key_hash != new_key:
                row.revoked_at = None  # a rotated key starts unrevoked
            row.kind = item.kind
            row.key_hash = new_key
            row.service = item.service
            row.resolve_timeout_seconds = seconds(item.resolve_timeout)
            row.rate_limit_per_minute = item.rate_limit_per_minute
    _ANSWERS.clear(db)
