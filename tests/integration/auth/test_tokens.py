"""API tokens over real HTTP (SQLite and PostgreSQL): created, listed, revoked, expiring,
their last use recorded at most once a minute; admins only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Api


def create(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/api/v1/tokens", json={"name": "ci", "role": "viewer", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def as_token(api: Api, token: str) -> httpx.Client:
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"})


def listed(http: httpx.Client) -> dict[int, dict[str, Any]]:
    response = http.get("/api/v1/tokens")
    assert response.status_code == 200
    return {t["id"]: t for t in response.json()}


def test_a_token_is_shown_once_and_listed_without_its_value(http: httpx.Client, api: Api) -> None:
    created = create(http, expires="90d")
    token = created["token"]
    assert token.startswith("wr_")
    assert created["expires_at"] is not None
    with as_token(api, token) as viewer:
        assert viewer.get("/api/v1/incidents").status_code == 200
    tokens = listed(http)
    row = tokens[created["id"]]
    assert {k: row[k] for k in ("name", "role", "revoked_at")} == {
        "name": "ci",
        "role": "viewer",
        "revoked_at": None,
    }
    assert row["created_at"] == created["created_at"]
    assert at(row["expires_at"]) == api.clock.now() + timedelta(days=90)
    assert set(row) == {
        "id",
        "name",
        "role",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert token not in http.get("/api/v1/tokens").text
    assert token.startswith(row["prefix"]) and len(row["prefix"]) < len(token) // 3
    assert {t["name"] for t in tokens.values()} == {"admin", "alice", "victor", "ci"}


def test_a_revoked_token_is_refused_at_once(http: httpx.Client, api: Api) -> None:
    created = create(http)
    with as_token(api, created["token"]) as viewer:
        assert viewer.get("/api/v1/incidents").status_code == 200
        revoked = http.delete(f"/api/v1/tokens/{created['id']}")
        assert revoked.status_code == 200
        assert at(revoked.json()["revoked_at"]) == api.clock.now()
        refused = viewer.get("/api/v1/incidents")
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == "invalid or revoked token"
    again = http.delete(f"/api/v1/tokens/{created['id']}")  # revoking twice changes nothing
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_revoke_by_name_when_the_name_is_unambiguous(http: httpx.Client) -> None:
    first = create(http, name="deploy-bot")
    assert http.delete("/api/v1/tokens/deploy-bot").json()["id"] == first["id"]
    second, third = create(http, name="deploy-bot"), create(http, name="deploy-bot")
    ambiguous = http.delete("/api/v1/tokens/deploy-bot")
    assert ambiguous.status_code == 409
    assert f"({second['id']}, {third['id']})" in ambiguous.json()["error"]["message"]
    missing = http.delete("/api/v1/tokens/nobody")
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "token"
    assert http.delete("/api/v1/tokens/99999").status_code == 404


def test_a_token_expires(http: httpx.Client, api: Api) -> None:
    created = create(http, expires="1h")
    with as_token(api, created["token"]) as viewer:
        api.clock.advance(timedelta(minutes=59))
        assert viewer.get("/api/v1/incidents").status_code == 200
        api.clock.advance(timedelta(minutes=1))
        expired = viewer.get("/api/v1/incidents")
        assert expired.status_code == 401
        assert "expired" in expired.json()["error"]["message"]


def test_last_use_is_written_at_most_once_a_minute(http: httpx.Client, api: Api) -> None:
    created = create(http)
    assert listed(http)[created["id"]]["last_used_at"] is None
    first_use = api.clock.now()
    with as_token(api, created["token"]) as viewer:
        assert viewer.get("/api/v1/incidents").status_code == 200
        assert at(listed(http)[created["id"]]["last_used_at"]) == first_use
        api.clock.advance(timedelta(seconds=59))
        assert viewer.get("/api/v1/incidents").status_code == 200
        assert at(listed(http)[created["id"]]["last_used_at"]) == first_use
        api.clock.advance(timedelta(seconds=1))
        assert viewer.get("/api/v1/incidents").status_code == 200
        assert at(listed(http)[created["id"]]["last_used_at"]) == api.clock.now()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"expires": "soon"}, "expires", "cannot read 'soon'"),
        ({"expires": "0d"}, "expires", "some time"),
        ({"expires": "20000d"}, "expires", "at most 3650d"),
        ({"role": "emperor"}, "role", "accepted: viewer, responder, admin"),
        ({"name": " "}, "name", ""),
        ({"token": "mine"}, "token", "unknown field"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    http: httpx.Client, body: dict[str, Any], field: str, words: str
) -> None:
    before = listed(http)
    response = http.post("/api/v1/tokens", json={"name": "ci", **body})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert words in response.json()["error"]["message"]
    assert listed(http) == before


def test_only_admins_manage_tokens(api: Api) -> None:
    for role in ("responder", "viewer"):
        with api.client(role) as client:
            assert client.get("/api/v1/tokens").status_code == 403
            assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 403
            assert client.delete("/api/v1/tokens/1").status_code == 403
    with httpx.Client(base_url=api.url) as anonymous:
        assert anonymous.get("/api/v1/tokens").status_code == 401
