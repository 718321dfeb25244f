"""Incident hooks: what other domains do when an incident changes.

Each verb calls its hook inside its own transaction, after writing its timeline event, so
what a subscriber does (plan pages, create or tick tasks, queue a status update) commits
or rolls back with the change. A subscriber may return warnings in words; the verb adds
them to its answer. The incidents package knows no subscriber: `warroom.domains` lists
them, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.timeline.models import TimelineEvent

if TYPE_CHECKING:
    from warroom.context import Context


@dataclass(frozen=True)
class Change:
    """One change to an incident, as its subscribers see it."""

    session: Session
    config: Config
    incident: Incident
    actor: str
    now: datetime
    event: TimelineEvent  # the verb's timeline event
    role: str | None = None  # role_filled, role_vacated: which role

    @classmethod
    def of(cls, session: Session, ctx: Context, incident: Incident, event: TimelineEvent) -> Change:
        return cls(session, ctx.config, incident, ctx.actor, ctx.now, event)


Hook = Callable[[Change], Sequence[str] | None]


@dataclass(frozen=True)
class IncidentHooks:
    """Who is told of each change, in order."""

    declared: Sequence[Hook] = field(default_factory=tuple)
    acknowledged: Sequence[Hook] = field(default_factory=tuple)
    severity_changed: Sequence[Hook] = field(default_factory=tuple)
    status_changed: Sequence[Hook] = field(default_factory=tuple)
    resolved: Sequence[Hook] = field(default_factory=tuple)
    reopened: Sequence[Hook] = field(default_factory=tuple)
    role_filled: Sequence[Hook] = field(default_factory=tuple)
    role_vacated: Sequence[Hook] = field(default_factory=tuple)


class _Installed:
    hooks: IncidentHooks | None = None


def installed() -> IncidentHooks:
    """The installation's hooks (`warroom.domains.incident_hooks()`), or those `install`
    set. Read on first use: the registry imports the subscribers, which import this."""
    if _Installed.hooks is None:
        from warroom.domains import incident_hooks

        _Installed.hooks = incident_hooks()
    return _Installed.hooks


def install(hooks: IncidentHooks | None) -> None:
    """Replace the installation's hooks (None: back to `warroom.domains`'s)."""
    _Installed.hooks = hooks


def run(hooks: Sequence[Hook], change: Change) -> list[str]:
    """Call each subscriber of one hook; their warnings, in order."""
    warnings: list[str] = []
    for hook in hooks:
        warnings.extend(hook(change) or ())
    return warnings
