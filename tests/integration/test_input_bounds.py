"""Input the databases cannot store is a 4xx naming the field, the same on SQLite and
PostgreSQL, never a 500 (issue 12): NUL characters, lone surrogates, NaN, integers beyond
the column's range, times outside datetime's range in UTC, spans that overflow."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from warroom.alerts.models import ChangeEvent, Integration
from warroom.incidents.models import Incident

BEYOND_INT32 = 2**31
BEYOND_INT64 = 2**63 + 1


def refused(response: httpx.Response, field: str) -> None:
    """A 422 whose `field` is `field` (or, for a bad key of a map, starts with it)."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field or error["field"].startswith(f"{field}."), error


def count(api: Api, model: type) -> int:
    with api.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def declare(http: httpx.Client) -> str:
    response = http.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "1"})
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Checkout\x00down", "severity": "1"}, "title"),
        ({"title": "Checkout", "severity": "SEV\x001"}, "severity"),
        ({"title": "Checkout", "severity": "1", "services": ["api\x00"]}, "services.0"),
        ({"title": "Checkout", "severity": "1", "summary": "\x00"}, "summary"),
    ],
)
def test_nul_characters_in_a_declaration_are_refused(
    http: httpx.Client, api: Api, body: dict[str, Any], field: str
) -> None:
    refused(http.post("/api/v1/incidents", json=body), field)
    assert count(api, Incident) == 0


def test_nul_characters_anywhere_in_a_change_are_refused(http: httpx.Client, api: Api) -> None:
    base = {"service": "api-service", "summary": "deploy v2"}
    refused(http.post("/api/v1/changes", json={**base, "summary": "v2\x00"}), "summary")
    refused(http.post("/api/v1/changes", json={**base, "source": "ci\x00"}), "source")
    nested = {**base, "details": {"build": {"log": ["ok", "bad\x00byte"]}}}
    refused(http.post("/api/v1/changes", json=nested), "details.build")
    refused(http.post("/api/v1/changes", json={**base, "details": {"k\x00": 1}}), "details")
    links = {**base, "links": [{"href": "https://ci.example.com/\x00"}]}
    refused(http.post("/api/v1/changes", json=links), "links.0.href")
    assert count(api, ChangeEvent) == 0


def test_lone_surrogates_and_nan_are_refused(http: httpx.Client, api: Api) -> None:
    # Python's JSON parser (which FastAPI uses) lets both through; no database takes them.
    headers = {"Content-Type": "application/json"}
    surrogate = b'{"title": "Checkout \\ud800 down", "severity": "1"}'
    refused(http.post("/api/v1/incidents", content=surrogate, headers=headers), "title")
    nan = b'{"service": "api", "summary": "deploy", "details": {"ratio": NaN}}'
    refused(http.post("/api/v1/changes", content=nan, headers=headers), "details.ratio")
    infinite = b'{"service": "api", "summary": "deploy", "details": {"ratio": 1e400}}'
    refused(http.post("/api/v1/changes", content=infinite, headers=headers), "details.ratio")
    assert count(api, Incident) == 0
    assert count(api, ChangeEvent) == 0


def test_json_nested_too_deep_is_refused(http: httpx.Client, api: Api) -> None:
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"d": deep}
    body = {"service": "api", "summary": "deploy", "details": deep}
    refused(http.post("/api/v1/changes", json=body), "details.d")
    assert count(api, ChangeEvent) == 0


@pytest.mark.parametrize("number", [BEYOND_INT32, BEYOND_INT64, -BEYOND_INT64])
def test_task_numbers_beyond_the_column_are_refused(
    http: httpx.Client, api: Api, number: int
) -> None:
    ref = declare(http)
    refused(http.post(f"/api/v1/incidents/{ref}/tasks/{number}/done"), "number")
    refused(http.delete(f"/api/v1/incidents/{ref}/tasks/{number}/done"), "number")
    # An ordinary unknown number is still "not found".
    assert http.post(f"/api/v1/incidents/{ref}/tasks/100000/done").status_code == 404


@pytest.mark.parametrize("override_id", [BEYOND_INT32, BEYOND_INT64])
def test_override_ids_beyond_the_column_are_refused(
    http: httpx.Client, api: Api, override_id: int
) -> None:
    response = http.delete(f"/api/v1/schedules/primary/overrides/{override_id}")
    refused(response, "override_id")


@pytest.mark.parametrize("per_minute", [BEYOND_INT32, BEYOND_INT64])
def test_rate_limits_beyond_the_column_are_refused(
    http: httpx.Client, api: Api, per_minute: int
) -> None:
    body = {"name": "prom", "kind": "alertmanager", "rate_limit_per_minute": per_minute}
    refused(http.post("/api/v1/integrations", json=body), "rate_limit_per_minute")
    assert count(api, Integration) == 0


@pytest.mark.parametrize(
    "timeout", ["100000 days", "3000000000 seconds", "99999999999999999999 weeks"]
)
def test_resolve_timeouts_beyond_the_column_are_refused(
    http: httpx.Client, api: Api, timeout: str
) -> None:
    body = {"name": "prom", "kind": "alertmanager", "resolve_timeout": timeout}
    refused(http.post("/api/v1/integrations", json=body), "resolve_timeout")
    assert count(api, Integration) == 0


def test_query_parameters_the_databases_cannot_take_are_refused(
    http: httpx.Client, api: Api
) -> None:
    declare(http)
    refused(http.get("/api/v1/incidents", params={"service": "api\x00"}), "service")
    refused(http.get("/api/v1/incidents", params={"status": "open\x00"}), "status.0")
    refused(http.get("/api/v1/incidents", params={"since": "99999999999d"}), "since")
    refused(http.get("/api/v1/incidents", params={"since": "0001-01-01T00:00+01:00"}), "since")
    huge_cursor = "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk"  # base64 of a 26-digit id
    refused(http.get("/api/v1/incidents", params={"cursor": huge_cursor}), "cursor")
    refused(http.get("/api/v1/changes", params={"service": "\x00"}), "service")
    refused(http.get("/api/v1/alerts", params={"service": "\x00"}), "service")


def test_path_parameters_with_nul_are_refused(http: httpx.Client, api: Api) -> None:
    refused(http.get("/api/v1/incidents/incident-2025-11-01-0001%00"), "ref")
    refused(http.get("/api/v1/incidents/x%00/alerts"), "ref")
    refused(http.get("/api/v1/schedules/primary%00/overrides"), "name")
    refused(http.delete("/api/v1/integrations/prom%00"), "name")


def test_times_and_spans_outside_the_calendar_are_refused(http: httpx.Client, api: Api) -> None:
    refused(
        http.get("/api/v1/schedules/primary/oncall", params={"at": "0001-01-01T00:00+01:00"}),
        "at",
    )
    far = {"from": "9999-12-31T00:00:00Z", "next": "7d"}
    refused(http.get("/api/v1/schedules/primary/shifts", params=far), "next")
    refused(
        http.get("/api/v1/schedules/primary/ical", params={"next": "99999999999999999999 weeks"}),
        "next",
    )
    override = {
        "person": "alice",
        "start": "0001-01-01T00:00:00+01:00",
        "end": "2025-11-02T00:00:00Z",
    }
    refused(http.post("/api/v1/schedules/primary/overrides", json=override), "start")
    change = {"service": "api", "summary": "deploy", "occurred_at": "9999-12-31T23:59:59-01:00"}
    refused(http.post("/api/v1/changes", json=change), "occurred_at")
    naive = {"service": "api", "summary": "deploy", "occurred_at": "2025-11-01T11:00:00"}
    stored = http.post("/api/v1/changes", json=naive)
    assert stored.status_code == 201, stored.text
    assert stored.json()["occurred_at"] == "2025-11-01T11:00:00Z"
