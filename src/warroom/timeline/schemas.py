from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from warroom.timeline.describe import describe


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor: str
    occurred_at: datetime
    visibility: Literal["internal", "public"]
    data: dict[str, Any]

    @computed_field(description="The event in words, one sentence")  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return describe(self.kind, self.data)


class TimelinePage(BaseModel):
    items: list[TimelineEventOut]
    next_cursor: str | None
