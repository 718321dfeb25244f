"""Which server the CLI talks to, with which token, and what it says when it cannot."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from warroom.auth.credentials import (
    canonical_url,
    credentials_path,
    last_server,
    mark_started,
    store_token,
    stored_token,
)
from warroom.cli.client import DEFAULT_URL, ApiError, Client, resolve_target


@pytest.fixture(autouse=True)
def config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("WARROOM_URL", "WARROOM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://localhost:8621", "http://127.0.0.1:8621"),
        ("http://LOCALHOST:8621/", "http://127.0.0.1:8621"),
        ("127.0.0.1:8621", "http://127.0.0.1:8621"),
        ("http://0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("https://Ops.Example.com/warroom/", "https://ops.example.com/warroom"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_one_spelling_per_server(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_the_last_local_server_is_used_when_none_is_named(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_target(None, None).url == DEFAULT_URL
    store_token("http://127.0.0.1:8621", "wr_a", "admin")
    store_token("http://localhost:9000", "wr_b", "admin")
    assert resolve_target(None, None) == resolve_target(None, None)
    target = resolve_target(None, None)
    assert (target.url, target.token, target.source) == (
        "http://127.0.0.1:9000",
        "wr_b",
        "the last local server",
    )
    mark_started("http://localhost:8621")  # restarted with its stored token
    assert last_server() == "http://127.0.0.1:8621"
    assert resolve_target(None, None).token == "wr_a"

    # Named servers win; their token is found under any spelling of the host.
    assert resolve_target("http://localhost:9000", None).token == "wr_b"
    monkeypatch.setenv("WARROOM_URL", "localhost:9000")
    target = resolve_target(None, None)
    assert (target.url, target.token, target.source) == (
        "http://localhost:9000",
        "wr_b",
        "WARROOM_URL",
    )
    assert resolve_target(None, "wr_mine").token == "wr_mine"

    stored = json.loads(credentials_path().read_text())
    assert stored["last"] == "http://127.0.0.1:8621"
    entry = stored["servers"]["http://127.0.0.1:9000"]
    assert entry["url"] == "http://127.0.0.1:9000"  # the URL it was minted for
    assert {"token", "name", "minted_at", "started_at"} <= set(entry)
    assert credentials_path().stat().st_mode & 0o777 == 0o600


def test_an_older_file_keyed_by_localhost_still_finds_the_token(config_home: Path) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"servers": {"http://localhost:8080": {"token": "wr_old"}}}))
    assert stored_token("http://127.0.0.1:8080") == "wr_old"
    assert resolve_target(None, None).token == "wr_old"  # the default URL


def test_the_errors_say_how_to_point_the_cli() -> None:
    with pytest.raises(ApiError) as no_token, Client(resolve_target(None, None)) as client:
        client.get("/api/v1/incidents")
    message = no_token.value.message
    assert f"no token for {DEFAULT_URL} (the default)" in message
    assert "--url or WARROOM_URL" in message
    assert "--token or set WARROOM_TOKEN" in message

    down = f"http://127.0.0.1:{_free_port()}"
    store_token(down, "wr_gone", "admin")  # a local server that has stopped
    with pytest.raises(ApiError) as unreachable, Client(resolve_target(None, None)) as client:
        client.get("/api/v1/incidents")
    assert unreachable.value.exit_code == 1
    message = unreachable.value.message
    assert f"cannot reach warroom at {down} (the last local server)" in message
    assert "--url or WARROOM_URL" in message
