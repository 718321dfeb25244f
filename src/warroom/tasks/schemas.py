from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from warroom.limits import Storable


class TaskOut(BaseModel):
    number: int
    parent: int | None
    phase: str
    checklist: str
    text: str
    applies: bool
    due_at: datetime | None
    overdue: bool
    done_at: datetime | None
    done_by: str | None
    note: str | None
    done_when: str | None = Field(
        default=None,
        description="What ticks it without a person (declared, acknowledged, team_assembled, "
        "role_filled:<role>); null when only a person can",
    )
    done_by_event: int | None = Field(
        default=None, description="The timeline event that ticked it, when warroom did"
    )


class TaskDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), Storable] = ""


class PhaseOut(BaseModel):
    key: str
    number: int
    name: str
    window: str = Field(description="The runbook's window, as written")
    anchor: str = Field(description="What the window is measured from")
    due_at: datetime | None
    current: bool
    overdue: bool


class PhasesOut(BaseModel):
    ref: str
    current: str
    phases: list[PhaseOut]
