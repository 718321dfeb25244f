"""What a timeline event kind is. Pure; each domain declares its kinds in its `events.py`,
and `warroom.domains` lists the domains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Visibility = Literal["internal", "public"]


@dataclass(frozen=True)
class EventKind:
    """One kind of timeline event. `public` events are what a status page or a customer
    email may show (that the incident exists, its state, its resolution); everything
    else (who was paged, alerts, notes, tasks) is `internal`."""

    name: str
    description: str
    visibility: Visibility = "internal"


class UnknownEventKindError(LookupError):
    """A kind no domain declared: declare it in the domain's `events.py`."""
