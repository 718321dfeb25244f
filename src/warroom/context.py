"""Who is acting, when, and under which configuration: what every service call needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.config import Config


@dataclass(frozen=True)
class Context:
    config: Config
    actor: str
    now: datetime
