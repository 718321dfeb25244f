"""What the tasks domain adds to an incident's answer (an incident facet)."""

from __future__ import annotations

from warroom.incidents.facets import Parts, Shown
from warroom.incidents.schemas import TaskSummary
from warroom.tasks import service as tasks


def summary(shown: Shown) -> Parts:
    """How many of the tasks that apply to its severity there are, are done, are late."""
    rows = [
        tasks.present(t, shown.incident, shown.now)
        for t in tasks.tasks_of(shown.session, shown.incident)
    ]
    applicable = [t for t in rows if t.applies]
    return {
        "tasks": TaskSummary(
            total=len(applicable),
            done=sum(1 for t in applicable if t.done_at),
            overdue=sum(1 for t in applicable if t.overdue),
        )
    }
