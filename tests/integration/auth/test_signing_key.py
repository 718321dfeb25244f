"""The ack-link signing key lives only in `WARROOM_SECRET_KEY` (issue 12): never in the
database; generated into the 0600 credentials file for a server on loopback (`make run`);
required anywhere else, with a message naming the variable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from tests.conftest import Api
from warroom import migrations
from warroom.auth.links import SECRET_ENV
from warroom.auth.models import InstanceSetting
from warroom.cli import app
from warroom.cli.server import require_secret_key
from warroom.db import Database

runner = CliRunner()


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("WARROOM_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    return tmp_path / "config" / "warroom" / "credentials.json"


@pytest.mark.parametrize(
    "command",
    [["serve", "--host", "0.0.0.0"], ["serve", "--host", "10.1.2.3"], ["worker"]],
)
def test_a_server_others_can_reach_refuses_to_start_without_the_key(
    no_key: Path, command: list[str]
) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "WARROOM_SECRET_KEY is not set" in result.stderr
    assert not no_key.exists()


def test_a_short_key_is_refused(no_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "short")
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "at least 32" in result.stderr


def test_a_loopback_server_gets_a_key_generated_into_the_credentials_file(
    no_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_secret_key("127.0.0.1")
    generated = os.environ[SECRET_ENV]
    assert len(generated) >= 32
    assert no_key.stat().st_mode & 0o777 == 0o600
    assert json.loads(no_key.read_text())["secret_key"] == generated
    monkeypatch.delenv(SECRET_ENV)
    require_secret_key("::1")  # the next start reuses it
    assert os.environ[SECRET_ENV] == generated


def test_the_database_never_holds_the_signing_key(db: Database, api: Api) -> None:
    """Pages carry ack links signed with it (the live server built its links already)."""
    declared = api.client().post("/api/v1/incidents", json={"title": "t", "severity": "SEV-1"})
    assert declared.status_code == 201
    with db.read() as session:
        assert session.scalars(select(InstanceSetting.key)).all() == []


def test_upgrading_removes_a_stored_signing_key(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrations.upgrade(database, "0011")
        with database.write() as session:
            session.execute(
                text("INSERT INTO instance_settings (key, value) VALUES ('signing_key', 'old')")
            )
        migrations.upgrade(database)
        with database.read() as session:
            assert session.scalars(select(InstanceSetting.key)).all() == []
    finally:
        database.dispose()
