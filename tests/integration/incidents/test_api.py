"""The incident lifecycle over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.integration.conftest import declare
from warroom.config import parse_config


def kinds(http: httpx.Client, ref: str) -> list[str]:
    return [e["kind"] for e in http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]]


def test_declare_sets_ref_channel_status_phase_and_response_due(
    http: httpx.Client, api: Api
) -> None:
    incident = declare(http, services=["api-service"], summary="500s on /checkout")
    assert incident["ref"] == "incident-2025-11-01-0001"
    assert incident["channel"] == "#incident-2025-11-01-0001"
    assert incident["severity"] == "SEV-1"
    assert incident["status"] == "investigating"
    assert incident["phase"] == "triage"
    assert incident["services"] == ["api-service"]
    assert incident["declared_at"] == "2025-11-01T12:00:00Z"
    assert incident["response_due_at"] == "2025-11-01T12:15:00Z"  # SEV-1: 15 minutes
    assert incident["response_breached"] is False
    assert incident["roles"] == {"incident_commander": "admin"}
    assert incident["missing_roles"] == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
        "communications_lead",
    ]
    # Declaring ticks the runbook's "Declare incident" and "Start incident log" tasks.
    assert kinds(http, incident["ref"]) == ["incident_declared", "task_completed", "task_completed"]
    second = declare(http, severity="2")
    assert second["ref"] == "incident-2025-11-01-0002"


@pytest.mark.parametrize(
    ("given", "severity", "due"),
    [
        ("sev-1", "SEV-1", "2025-11-01T12:15:00Z"),
        ("SEV1", "SEV-1", "2025-11-01T12:15:00Z"),
        ("critical", "SEV-1", "2025-11-01T12:15:00Z"),
        ("high", "SEV-2", "2025-11-01T13:00:00Z"),
        ("3", "SEV-3", "2025-11-01T16:00:00Z"),
        ("medium", "SEV-3", "2025-11-01T16:00:00Z"),
        # Saturday noon: next business day is Monday, due by its end (17:00, default UTC).
        ("low", "SEV-4", "2025-11-03T17:00:00Z"),
    ],
)
def test_severity_spellings_and_response_times(
    http: httpx.Client, given: str, severity: str, due: str
) -> None:
    incident = declare(http, severity=given)
    assert (incident["severity"], incident["response_due_at"]) == (severity, due)


def test_sev4_due_skips_holidays_in_the_configured_zone(http: httpx.Client, api: Api) -> None:
    api.configure(
        parse_config(
            "business_hours:\n  timezone: America/New_York\n  start: '08:30'\n  end: '16:30'\n"
            "  holidays: US\n"
        )
    )
    # Wednesday 26 Nov 2025, 20:00 New York; Thursday 27 Nov is Thanksgiving.
    api.clock.set(api.clock.now().replace(year=2025, month=11, day=27, hour=1))
    incident = declare(http, severity="sev-4")
    assert incident["response_due_at"] == "2025-11-28T21:30:00Z"  # by Friday 16:30 EST


def test_unknown_severity_names_accepted_values(http: httpx.Client) -> None:
    response = http.post("/api/v1/incidents", json={"title": "x", "severity": "urgent"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "severity"
    for accepted in ("SEV-1", "critical", "high", "medium", "low"):
        assert accepted in error["message"]


def test_acknowledge_stops_the_response_clock(http: httpx.Client, api: Api) -> None:
    ref = declare(http)["ref"]
    api.clock.advance(timedelta(minutes=10))
    acked = http.post(f"/api/v1/incidents/{ref}/acknowledge").json()
    assert acked["acknowledged_at"] == "2025-11-01T12:10:00Z"
    assert acked["acknowledged_by"] == "admin"
    api.clock.advance(timedelta(hours=2))
    later = http.get(f"/api/v1/incidents/{ref}").json()
    assert later["response_breached"] is False
    # A second acknowledgement changes nothing and writes nothing.
    http.post(f"/api/v1/incidents/{ref}/acknowledge")
    assert kinds(http, ref) == [
        "incident_declared",
        "task_completed",  # Declare incident
        "task_completed",  # Start incident log
        "incident_acknowledged",
        "task_completed",  # Acknowledge the alert
    ]


def test_unacknowledged_incident_breaches_after_its_response_time(
    http: httpx.Client, api: Api
) -> None:
    ref = declare(http)["ref"]
    api.clock.advance(timedelta(minutes=15))
    assert http.get(f"/api/v1/incidents/{ref}").json()["response_breached"] is False
    api.clock.advance(timedelta(seconds=1))
    assert http.get(f"/api/v1/incidents/{ref}").json()["response_breached"] is True
    acked = http.post(f"/api/v1/incidents/{ref}/acknowledge").json()
    assert acked["response_breached"] is True  # late acknowledgement stays a breach


def test_roles_assignment_and_missing_roles(http: httpx.Client) -> None:
    ref = declare(http, severity="sev-2", commander="carol")["ref"]
    incident = http.get(f"/api/v1/incidents/{ref}").json()
    assert incident["roles"] == {"incident_commander": "carol"}
    assert incident["missing_roles"] == ["engineering_lead", "on_call_engineer", "product_manager"]
    http.put(f"/api/v1/incidents/{ref}/roles/engineering_lead", json={"person": "dave"})
    http.put(f"/api/v1/incidents/{ref}/roles/on_call_engineer", json={"person": "erin"})
    incident = http.put(
        f"/api/v1/incidents/{ref}/roles/product_manager", json={"person": "pat"}
    ).json()
    assert incident["missing_roles"] == []
    assert incident["roles"]["engineering_lead"] == "dave"
    incident = http.delete(f"/api/v1/incidents/{ref}/roles/product_manager").json()
    assert incident["missing_roles"] == ["product_manager"]
    bad = http.put(f"/api/v1/incidents/{ref}/roles/chief_vibes", json={"person": "x"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "role"
    assert "incident_commander" in bad.json()["error"]["message"]
    assert kinds(http, ref).count("role_assigned") == 3


def test_sev4_requires_only_engineering_lead_and_on_call(http: httpx.Client) -> None:
    incident = declare(http, severity="sev-4")
    assert incident["missing_roles"] == ["engineering_lead", "on_call_engineer"]


def test_patch_severity_recomputes_due_time_and_records_events(
    http: httpx.Client, api: Api
) -> None:
    ref = declare(http, severity="sev-3")["ref"]
    api.clock.advance(timedelta(minutes=5))
    patched = http.patch(
        f"/api/v1/incidents/{ref}", json={"severity": "sev-1", "title": "Checkout down"}
    ).json()
    assert patched["severity"] == "SEV-1"
    assert patched["title"] == "Checkout down"
    assert patched["response_due_at"] == "2025-11-01T12:15:00Z"  # from declaration
    assert "communications_lead" in patched["missing_roles"]
    events = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    severity_event = next(e for e in events if e["kind"] == "severity_changed")
    assert severity_event["data"] == {
        "from": "SEV-3",
        "to": "SEV-1",
        "response_due_at": "2025-11-01T12:15:00+00:00",
    }
    assert severity_event["actor"] == "admin"
    assert severity_event["occurred_at"] == "2025-11-01T12:05:00Z"
    assert "title_changed" in kinds(http, ref)


def test_notes_and_assessment(http: httpx.Client, api: Api) -> None:
    ref = declare(http)["ref"]
    with api.client("responder") as alice:
        note = alice.post(f"/api/v1/incidents/{ref}/notes", json={"text": "pool at 100%"})
        assert note.status_code == 201
        assert note.json()["actor"] == "alice"
        assessed = alice.patch(
            f"/api/v1/incidents/{ref}/assessment",
            json={
                "user_impact": "checkout fails",
                "users_affected": "~30%",
                "systems_impacted": ["api-service", "postgres"],
                "data_at_risk": False,
            },
        ).json()
    assert assessed["assessment"] == {
        "user_impact": "checkout fails",
        "users_affected": "~30%",
        "systems_impacted": ["api-service", "postgres"],
        "data_at_risk": False,
        "security_incident": None,
    }
    events = http.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    note, assessment = (e for e in events if e["kind"] in ("note_added", "assessment_recorded"))
    assert note["data"] == {"text": "pool at 100%"}
    assert assessment["kind"] == "assessment_recorded"
    assert "security_incident" not in assessment["data"]


def test_status_lifecycle_resolve_and_reopen(http: httpx.Client, api: Api) -> None:
    ref = declare(http)["ref"]
    assert (
        http.post(f"/api/v1/incidents/{ref}/status", json={"status": "identified"}).status_code
        == 200
    )
    api.clock.advance(timedelta(minutes=20))
    monitoring = http.post(f"/api/v1/incidents/{ref}/status", json={"status": "monitoring"}).json()
    assert monitoring["mitigated_at"] == "2025-11-01T12:20:00Z"
    backwards = http.post(f"/api/v1/incidents/{ref}/status", json={"status": "identified"})
    assert backwards.status_code == 409
    assert "allowed: investigating, resolved" in backwards.json()["error"]["message"]

    no_summary = http.post(f"/api/v1/incidents/{ref}/resolve", json={})
    assert no_summary.status_code == 422
    assert no_summary.json()["error"]["field"] == "summary"
    resolved = http.post(
        f"/api/v1/incidents/{ref}/resolve", json={"summary": "rolled back v2.3.1"}
    ).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] == "2025-11-01T12:20:00Z"
    assert resolved["resolution_summary"] == "rolled back v2.3.1"

    again = http.post(f"/api/v1/incidents/{ref}/status", json={"status": "monitoring"})
    assert again.status_code == 409
    assert "reopen" in again.json()["error"]["message"]
    assert http.post(f"/api/v1/incidents/{ref}/acknowledge").status_code == 409

    reopened = http.post(f"/api/v1/incidents/{ref}/reopen", json={"reason": "errors back"}).json()
    assert reopened["status"] == "investigating"
    assert reopened["resolved_at"] is None
    assert http.post(f"/api/v1/incidents/{ref}/reopen", json={}).status_code == 409
    assert kinds(http, ref) == [
        "incident_declared",
        "task_completed",
        "task_completed",
        "status_changed",
        "status_changed",
        "incident_resolved",
        "incident_reopened",
    ]


def test_three_digit_ref_form_and_channel_spelling(http: httpx.Client) -> None:
    declare(http)
    for spelling in (
        "incident-2025-11-01-001",
        "incident-2025-11-01-0001",
        "%23incident-2025-11-01-1",
    ):
        response = http.get(f"/api/v1/incidents/{spelling}")
        assert response.status_code == 200, spelling
        assert response.json()["ref"] == "incident-2025-11-01-0001"


def test_unknown_ref_is_404_in_the_error_shape(http: httpx.Client) -> None:
    for ref in ("incident-2025-11-01-0042", "not-a-ref"):
        response = http.get(f"/api/v1/incidents/{ref}")
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": f"no incident {ref}", "field": "ref"}
        }
    assert http.post("/api/v1/incidents/incident-2025-11-01-0042/acknowledge").status_code == 404


def test_list_filters_and_cursor_pagination(http: httpx.Client, api: Api) -> None:
    refs = []
    for i in range(7):
        refs.append(
            declare(
                http,
                severity="sev-1" if i % 2 else "sev-3",
                services=["api-service"] if i < 3 else ["payments"],
            )["ref"]
        )
        api.clock.advance(timedelta(hours=1))
    http.post(f"/api/v1/incidents/{refs[0]}/resolve", json={"summary": "fixed"})

    page = http.get("/api/v1/incidents", params={"limit": 3}).json()
    assert [i["ref"] for i in page["items"]] == refs[::-1][:3]
    seen = [i["ref"] for i in page["items"]]
    while page["next_cursor"]:
        page = http.get(
            "/api/v1/incidents", params={"limit": 3, "cursor": page["next_cursor"]}
        ).json()
        seen += [i["ref"] for i in page["items"]]
    assert seen == refs[::-1]

    def refs_for(**params: Any) -> list[str]:
        return [i["ref"] for i in http.get("/api/v1/incidents", params=params).json()["items"]]

    assert refs[0] not in refs_for(status="open")
    assert refs_for(status="resolved") == [refs[0]]
    assert refs_for(severity="sev-1") == [refs[5], refs[3], refs[1]]
    assert refs_for(service="api-service") == [refs[2], refs[1], refs[0]]
    assert refs_for(since="3h") == [refs[6], refs[5], refs[4]]
    assert refs_for(since="2025-11-01T17:30:00Z") == [refs[6]]
    assert refs_for(status=["investigating"], severity=["SEV-3"], service="payments") == [
        refs[6],
        refs[4],
    ]
    for params, field in (
        ({"status": "sleeping"}, "status"),
        ({"severity": "urgent"}, "severity"),
        ({"since": "last tuesday"}, "since"),
        ({"cursor": "!!"}, "cursor"),
        ({"limit": 0}, "limit"),
    ):
        response = http.get("/api/v1/incidents", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["field"] == field


def test_known_services_are_enforced_when_configured(http: httpx.Client, api: Api) -> None:
    api.configure(parse_config("services:\n  - name: api-service\n  - name: payments\n"))
    response = http.post(
        "/api/v1/incidents", json={"title": "x", "severity": "1", "services": ["api"]}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "services"
    assert "api-service" in error["message"]
    assert "payments" in error["message"]
    assert declare(http, services=["payments"])["services"] == ["payments"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "sev-1"}, "title"),
        ({"title": "x" * 501, "severity": "sev-1"}, "title"),
        ({"title": "   ", "severity": "sev-1"}, "title"),
        ({"title": 42, "severity": "sev-1"}, "title"),
        ({"title": "x", "severity": "sev-1", "services": "api"}, "services"),
        ({"title": "x", "severity": "sev-1", "colour": "red"}, "colour"),
    ],
)
def test_declare_rejects_bad_bodies_naming_the_field(
    http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = http.post("/api/v1/incidents", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert http.get("/api/v1/incidents").json()["items"] == []


def test_invalid_json_and_missing_body(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/incidents", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "JSON" in response.json()["error"]["message"]
    assert http.post("/api/v1/incidents").status_code == 422
    ref = declare(http)["ref"]
    empty_patch = http.patch(f"/api/v1/incidents/{ref}", json={})
    assert empty_patch.status_code == 422
    null_title = http.patch(f"/api/v1/incidents/{ref}", json={"title": None})
    assert null_title.status_code == 422


def test_auth_is_required_and_viewers_cannot_change_anything(api: Api) -> None:
    with httpx.Client(base_url=api.url) as anonymous:
        response = anonymous.get("/api/v1/incidents")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        bad = anonymous.get("/api/v1/incidents", headers={"Authorization": "Bearer wr_nope"})
        assert bad.status_code == 401
    with api.client("admin") as admin:
        ref = declare(admin)["ref"]
    with api.client("viewer") as viewer:
        assert viewer.get(f"/api/v1/incidents/{ref}").status_code == 200
        assert viewer.get(f"/api/v1/incidents/{ref}/timeline").status_code == 200
        for method, path, body in (
            ("POST", "/api/v1/incidents", {"title": "x", "severity": "1"}),
            ("POST", f"/api/v1/incidents/{ref}/acknowledge", None),
            ("PATCH", f"/api/v1/incidents/{ref}", {"title": "y"}),
            ("PUT", f"/api/v1/incidents/{ref}/roles/scribe", {"person": "v"}),
            ("POST", f"/api/v1/incidents/{ref}/notes", {"text": "hi"}),
            ("POST", f"/api/v1/incidents/{ref}/resolve", {"summary": "done"}),
        ):
            response = viewer.request(method, path, json=body)
            assert response.status_code == 403, path
            assert response.json()["error"]["code"] == "forbidden"
    with api.client("responder") as alice:
        assert (
            alice.post(f"/api/v1/incidents/{ref}/acknowledge").json()["acknowledged_by"] == "alice"
        )


def test_health_readiness_metrics_and_openapi(http: httpx.Client, api: Api) -> None:
    declare(http, severity="sev-1")
    declare(http, severity="sev-2")
    with httpx.Client(base_url=api.url) as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/").json()["docs"] == "/docs"
        ready = anonymous.get("/readyz").json()
        assert ready["status"] == "ready"
        assert ready["database"] == api.db.dialect
        metrics = anonymous.get("/metrics").text
        assert 'warroom_open_incidents{severity="SEV-1"} 1.0' in metrics
        assert 'warroom_open_incidents{severity="SEV-2"} 1.0' in metrics
        assert (
            'warroom_http_requests_total{method="POST",route="/api/v1/incidents",status="201"}'
            in metrics
        )
        assert 'warroom_http_request_duration_seconds_bucket{le="0.05",method="POST"' in metrics
        spec = anonymous.get("/openapi.json").json()
        assert "/api/v1/incidents/{ref}/acknowledge" in spec["paths"]
        missing = anonymous.get("/nope")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
