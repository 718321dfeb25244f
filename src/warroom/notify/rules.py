"""Throttles, so a flapping alert cannot send a hundred messages. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field


class ThrottleLimits(BaseModel):
    """Per person and contact method: at most one message per `per_incident_seconds` for the
    same incident, and at most `burst` messages in any `burst_window_seconds` overall."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_incident_seconds: int = Field(default=60, ge=0)
    burst: int = Field(default=10, ge=1)
    burst_window_seconds: int = Field(default=600, ge=1)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def decide(
    limits: ThrottleLimits,
    now: datetime,
    same_incident: list[datetime],
    all_incidents: list[datetime],
) -> Decision:
    """`same_incident`: when this person was last sent something for this incident on this
    method; `all_incidents`: every send to this person on this method recently."""
    gap = timedelta(seconds=limits.per_incident_seconds)
    if gap and any(now - sent < gap for sent in same_incident):
        return Decision(
            False, f"at most one message per {limits.per_incident_seconds}s per incident"
        )
    window = timedelta(seconds=limits.burst_window_seconds)
    recent = [sent for sent in all_incidents if now - sent < window]
    if len(recent) >= limits.burst:
        return Decision(
            False, f"burst cap: {limits.burst} messages per {limits.burst_window_seconds}s"
        )
    return Decision(True)
