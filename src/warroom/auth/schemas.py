"""API shapes for tokens. A token's value is in the answer that creates it, and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Owner; shown as the actor on the timeline")
    role: str = Field(default="responder", max_length=20, examples=["responder"])
    expires: str | None = Field(
        default=None, max_length=40, description="Lifetime, e.g. 90d; none: never expires"
    )


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Recorded at most once a minute")
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown this once, stored only hashed")
