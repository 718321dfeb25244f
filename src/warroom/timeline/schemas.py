from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field

from warroom.timeline.describe import describe
from warroom.timeline.model import Visibility


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor: str
    occurred_at: datetime
    visibility: Visibility
    data: dict[str, Any]

    @computed_field(description="The event in words, one sentence")  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return describe(self.kind, self.data)


class TimelinePage(BaseModel):
    items: list[TimelineEventOut]
    next_cursor: str | None
