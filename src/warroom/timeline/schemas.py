from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor: str
    occurred_at: datetime
    visibility: Literal["internal", "public"]
    data: dict[str, Any]


class TimelinePage(BaseModel):
    items: list[TimelineEventOut]
    next_cursor: str | None
