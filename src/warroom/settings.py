"""Process settings: the one object that reads the `WARROOM_*` environment.

Each group keeps its own prefix (`WARROOM_SMTP_*` for outgoing mail), and hands the
domain that needs it a plain model (`smtp`), so no other module reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from warroom.notify.contacts import SmtpSettings


def default_database_url() -> str:
    return f"sqlite:///{Path(platformdirs.user_data_dir('warroom')) / 'warroom.db'}"


class Settings(BaseSettings):
    """Process settings, from `WARROOM_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    config: Path | None = None
    log_level: str = "info"
    access_log: bool = Field(
        default=False,
        description="A log line per request (secrets redacted); off by default: it costs "
        "a sixth of single-event intake's time",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs acknowledge links; shared by every process"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080", description="Where acknowledge links point"
    )

    # Outgoing mail: WARROOM_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _SECURITY.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "warroom@localhost"
    smtp_security: Literal["none", "starttls", "ssl"] = "none"

    @property
    def smtp(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            user=self.smtp_user,
            password=self.smtp_password,
            sender=self.smtp_from,
            security=self.smtp_security,
        )
