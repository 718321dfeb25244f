"""The domains of this installation, listed once.

A new domain (status page, actions, postmortem, chat) plugs in here: its `events.py`
declares the timeline kinds it records, its `hooks.py` subscribes to incident changes
below, a facet of it may add its part to an incident's answer; `workers.py` lists its
job kinds. Nothing else has to learn its names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from warroom.alerts import events as alert_events
from warroom.incidents import events as incident_events
from warroom.incidents.facets import Facet
from warroom.incidents.hooks import IncidentHooks
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


def incident_hooks() -> IncidentHooks:
    """Who hears of each incident change, in order. Tasks come first at declaration, so
    the roles paging fills there tick tasks that exist."""
    from warroom.paging import hooks as paging
    from warroom.tasks import hooks as tasks

    return IncidentHooks(
        declared=(tasks.on_declared, paging.on_declared),
        acknowledged=(paging.on_acknowledged, tasks.on_acknowledged),
        severity_changed=(paging.on_severity_changed, tasks.check_team),
        status_changed=(tasks.on_anchor_moved,),
        resolved=(tasks.on_resolved, paging.on_resolved),
        reopened=(tasks.on_anchor_moved,),
        role_filled=(tasks.on_role_filled,),
        role_vacated=(tasks.on_role_vacated,),
    )


def incident_facets() -> tuple[Facet, ...]:
    """Who adds a part to an incident's answer (`incidents.facets`)."""
    from warroom.tasks import facets as tasks

    return (tasks.summary,)


def event_kind(name: str) -> EventKind:
    kind = EVENT_KINDS.get(name)
    if kind is None:
        raise UnknownEventKindError(
            f"timeline event kind {name!r} is not declared (add it to its domain's events.py)"
        )
    return kind
