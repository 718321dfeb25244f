"""Facets: the parts of an incident's answer that other domains give (its task summary).

`presenting.present` builds an incident's answer from its own columns and its runbook,
then asks each installed facet for its parts. A part is a field of `IncidentOut`, typed
in `Parts` here, so the answer's shape (and the OpenAPI document) is declared by the
incidents package while what fills it belongs to the domain that knows it. The facets
are listed once, in `warroom.domains.incident_facets()`; the incidents package imports
none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from warroom.incidents.models import Incident
from warroom.incidents.schemas import TaskSummary
from warroom.runbooks.model import Runbook


class Parts(TypedDict, total=False):
    """The fields of `IncidentOut` a facet may fill; one a facet leaves out stays null."""

    tasks: TaskSummary


@dataclass(frozen=True)
class Shown:
    """One incident being presented, as a facet sees it: read it, change nothing."""

    session: Session
    incident: Incident
    runbook: Runbook
    now: datetime


Facet = Callable[[Shown], Parts]


class _Installed:
    facets: Sequence[Facet] | None = None


def installed() -> Sequence[Facet]:
    """The installation's facets (`warroom.domains.incident_facets()`), or those `install`
    set. Read on first use: the registry imports the facets, which import this."""
    if _Installed.facets is None:
        from warroom.domains import incident_facets

        _Installed.facets = incident_facets()
    return _Installed.facets


def install(facets: Sequence[Facet] | None) -> None:
    """Replace the installation's facets (None: back to `warroom.domains`'s)."""
    _Installed.facets = facets


def parts(facets: Sequence[Facet], shown: Shown) -> Parts:
    """Every facet's parts, together. Two facets filling one part is a wiring mistake,
    refused rather than letting the later one win unnoticed."""
    found: Parts = {}
    for facet in facets:
        given = facet(shown)
        twice = found.keys() & given.keys()
        if twice:
            raise ValueError(f"incident part(s) {sorted(twice)} given by two facets")
        found.update(given)
    return found
