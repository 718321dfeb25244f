"""`warroom token create|list|revoke`: through the named server's API (admin token), or on
the local database when no server is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Api
from warroom.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("WARROOM_URL", "WARROOM_TOKEN", "WARROOM_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


def test_on_the_named_server_with_an_admin_token(
    api: Api, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_URL", api.url)
    monkeypatch.setenv("WARROOM_TOKEN", api.tokens["admin"])
    # The local database is not the server's: a local run would fail on it.
    monkeypatch.setenv("WARROOM_DATABASE_URL", f"sqlite:///{home / 'unmigrated.db'}")

    code, out, err = run("token", "create", "--name", "bob", "--role", "viewer", "--expires", "90d")
    assert code == 0, err
    token = out.strip()
    assert out == token + "\n" and token.startswith("wr_")
    assert "expires 2026-01-30" in err  # 90 days after the test clock's 2025-11-01

    code, out, _ = run("token", "list")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if " bob " in f" {line} "]
    assert rows and rows[0][1:3] == ["bob", "viewer"]
    assert "2026-01-30" in out and "never" in out  # expires; last used
    assert token not in out
    listed = json.loads(run("token", "list", "--json")[1])
    assert token not in json.dumps(listed)
    assert {t["name"] for t in listed} >= {"admin", "bob"}

    code, out, _ = run("token", "revoke", "bob")
    assert code == 0
    assert "(bob, viewer) revoked" in out
    with api.client("admin") as http:
        check = http.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
        assert check.status_code == 401

    monkeypatch.setenv("WARROOM_TOKEN", api.tokens["responder"])
    code, _, err = run("token", "list")
    assert code == 1
    assert "needs admin" in err
    code, _, err = run("token", "create", "--name", "x", "--expires", "soon")
    assert code == 1  # a responder is refused before the lifetime is read


def test_locally_when_no_server_is_named(api: Api, home: Path) -> None:
    database = ["--database-url", api.db.url]
    code, out, err = run("token", "create", "--name", "carol", "--role", "admin", *database)
    assert code == 0, err
    token = out.strip()
    with api.client("viewer") as http:
        check = http.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"})
        assert check.status_code == 200

    code, out, _ = run("token", "list", *database)
    assert "carol" in out and token not in out
    code, out, _ = run("token", "revoke", "carol", *database)
    assert code == 0 and "revoked" in out

    code, _, err = run("token", "create", "--name", "x", "--expires", "soon", *database)
    assert code == 2
    assert "--expires: cannot read 'soon'" in err
    code, _, err = run("token", "revoke", "nobody", *database)
    assert code == 1
    assert "no unrevoked token named 'nobody'" in err
    code, _, err = run("token", "list", "--url", api.url, *database)
    assert code == 2
    assert "--database-url" in err
