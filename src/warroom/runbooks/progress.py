"""Where an incident stands in its runbook's phases when it is declared, resolved or
reopened. Pure; the incidents package sets `Incident.phase` from these."""

from __future__ import annotations

from warroom.runbooks.model import Runbook


def first_phase(runbook: Runbook) -> str:
    """Declaring an incident is triage (detection happened before); else the first phase."""
    keys = [p.key for p in runbook.phases]
    return _named(keys, "triage") or (keys[0] if keys else "triage")


def phase_after_resolve(runbook: Runbook) -> str:
    keys = [p.key for p in runbook.phases]
    return _named(keys, "postmortem", "post_mortem", "review") or (
        keys[-1] if keys else "postmortem"
    )


def phase_after_reopen(runbook: Runbook) -> str:
    keys = [p.key for p in runbook.phases]
    return _named(keys, "investigation", "investigate") or first_phase(runbook)


def _named(keys: list[str], *names: str) -> str | None:
    return next((k for name in names for k in keys if name in k), None)
