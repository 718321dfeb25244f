from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from warroom import limits
from warroom.limits import Storable, StorableAwareInstant


class OnCallOut(BaseModel):
    schedule: str
    at: datetime
    person: str | None


class ShiftOut(BaseModel):
    person: str
    start: datetime
    end: datetime


class ScheduleOut(BaseModel):
    name: str
    timezone: str
    layers: list[str]
    on_call_now: str | None


class PageOut(BaseModel):
    person: str
    method: str
    reason: str
    step: str
    status: str
    queued_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    error: str | None


class JobOut(BaseModel):
    id: int
    kind: str
    key: str
    status: str
    due_at: datetime
    attempts: int
    max_attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: Annotated[str, Field(min_length=1, max_length=limits.NAME), Storable]
    start: StorableAwareInstant
    end: StorableAwareInstant
    reason: Annotated[str, Field(max_length=500), Storable] = ""


class OverrideOut(BaseModel):
    id: int
    schedule: str
    person: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
