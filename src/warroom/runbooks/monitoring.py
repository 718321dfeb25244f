"""How long the runbook says to watch a fix before calling the incident resolved.

The seed runbook's resolution phase says "Monitor for 15-30 minutes". An incident whose
alerts have all resolved waits that long (the upper bound: the runbook's longest
watch) before it resolves itself; a runbook that names no such window gets none, and its
incidents wait for a person. Pure: reads the parsed runbook.
"""

from __future__ import annotations

import re
from datetime import timedelta

from warroom.runbooks.durations import DurationError, parse_duration, parse_range
from warroom.runbooks.model import Runbook

# "Monitor for 15-30 minutes", "Watch for 1 hour", "Observe 30 min": the verb, then a time.
_WATCH = re.compile(r"^\s*(?:monitor|watch|observe)\w*\s+(?:for\s+)?(?P<time>.+?)\s*\.?\s*$", re.I)


def monitoring_window(runbook: Runbook) -> timedelta | None:
    """The longest time the runbook's resolution steps say to monitor; None if none."""
    for phase in runbook.phases:
        for checklist in phase.checklists:
            for item in checklist.walk():
                window = _window(item.text)
                if window is not None:
                    return window
    return None


def _window(text: str) -> timedelta | None:
    match = _WATCH.match(text)
    if match is None:
        return None
    spoken = match["time"]
    try:
        return parse_range(spoken)[1]
    except DurationError:
        pass
    try:
        found = parse_duration(spoken)
    except DurationError:
        return None
    return found if found > timedelta(0) else None
