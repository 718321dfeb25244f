"""The `paging:` section of the configuration file.

```yaml
paging:
  fallback: [team:sre]     # who a SEV-1/SEV-2 pages when its first step finds nobody;
                           # default: the incident's service's team, else the admins
  urgency:                 # high: pages at any hour; low: waits for business hours
    SEV-3: low             # default: low where the runbook's response time is in business
                           # days (its SEV-4, "Next business day"), else high
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.paging.escalation.rules import Target, Urgency


class PagingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fallback: list[str] | None = Field(
        default=None,
        description="Targets paged when a SEV-1/SEV-2's first escalation step finds nobody; "
        "default: the service's team, else the people flagged admin",
    )

    urgency: dict[str, Urgency] = Field(
        default_factory=dict,
        description="Per severity: high pages at any hour, low waits for business hours "
        "(business_hours); default: low where the runbook's response time is in business days",
    )

    @field_validator("fallback", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("fallback")
    @classmethod
    def _fallback(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("name at least one target, or leave fallback out for the default")
        for target in value:
            if Target.parse(target).kind in ("role", "position"):
                raise ValueError(f"{target}: a fallback is a person, schedule or team")
        return value
