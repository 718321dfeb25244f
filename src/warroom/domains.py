"""The domains of this installation, listed once.

A new domain (status page, actions, postmortem, chat) plugs in here: its `events.py`
declares the timeline kinds it records; `workers.py` lists its job kinds. Nothing else
has to learn its names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from warroom.alerts import events as alert_events
from warroom.incidents import events as incident_events
from warroom.paging import events as paging_events
from warroom.tasks import events as task_events
from warroom.timeline.model import EventKind, UnknownEventKindError


def _registry(*groups: Iterable[EventKind]) -> Mapping[str, EventKind]:
    kinds: dict[str, EventKind] = {}
    for group in groups:
        for kind in group:
            if kind.name in kinds:
                raise ValueError(f"timeline event kind {kind.name!r} is declared twice")
            kinds[kind.name] = kind
    return kinds


EVENT_KINDS = _registry(
    incident_events.KINDS, paging_events.KINDS, alert_events.KINDS, task_events.KINDS
)
PUBLIC_KINDS = frozenset(k.name for k in EVENT_KINDS.values() if k.visibility == "public")


def event_kind(name: str) -> EventKind:
    kind = EVENT_KINDS.get(name)
    if kind is None:
        raise UnknownEventKindError(
            f"timeline event kind {name!r} is not declared (add it to its domain's events.py)"
        )
    return kind
