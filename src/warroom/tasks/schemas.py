from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

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


class TaskDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), Storable] = ""
