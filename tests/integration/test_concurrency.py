"""Many clients at once against PostgreSQL (and SQLite, where it applies)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Api


def test_twenty_concurrent_declarations_get_distinct_consecutive_refs(api: Api) -> None:
    def one(i: int) -> str:
        with api.client("responder") as client:
            response = client.post(
                "/api/v1/incidents", json={"title": f"incident {i}", "severity": "sev-2"}
            )
            assert response.status_code == 201, response.text
            return str(response.json()["ref"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        refs = list(pool.map(one, range(20)))
    assert sorted(refs) == [f"incident-2025-11-01-{n:04d}" for n in range(1, 21)]


def test_concurrent_patches_of_one_incident_lose_nothing(api: Api) -> None:
    with api.client() as client:
        ref = client.post("/api/v1/incidents", json={"title": "t", "severity": "sev-3"}).json()[
            "ref"
        ]

    changes = [{"title": f"title {i}"} for i in range(10)] + [
        {"severity": "sev-1"},
        {"summary": "pool exhausted"},
        {"services": ["api-service"]},
    ]

    def patch(body: dict[str, object]) -> int:
        with api.client("responder") as client:
            return client.patch(f"/api/v1/incidents/{ref}", json=body).status_code

    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        assert set(pool.map(patch, changes)) == {200}

    with api.client() as client:
        incident = client.get(f"/api/v1/incidents/{ref}").json()
        events = client.get(f"/api/v1/incidents/{ref}/timeline").json()["items"]
    assert incident["severity"] == "SEV-1"
    assert incident["summary"] == "pool exhausted"
    assert incident["services"] == ["api-service"]
    assert incident["response_due_at"] == "2025-11-01T12:15:00Z"
    titles = [e["data"]["to"] for e in events if e["kind"] == "title_changed"]
    assert len(titles) == 10  # every title change happened, serially
    assert incident["title"] == titles[-1]
    # Each recorded change starts where the previous one ended: no lost update.
    previous = "t"
    for event in (e for e in events if e["kind"] == "title_changed"):
        assert event["data"]["from"] == previous
        previous = event["data"]["to"]
