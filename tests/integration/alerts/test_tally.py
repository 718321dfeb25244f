"""An incident's alerts counted by label (alerts/tally.py) on both databases: the title the
tallies give is the title of the alerts, and the summary counts what attached."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.conftest import Api
from tests.integration.conftest import declare
from tests.unit.alerts.test_tally import LONG, alert_lists
from warroom.alerts import tally
from warroom.alerts.models import Alert, IncidentAlertLabel
from warroom.alerts.tally import Tallied
from warroom.alerts.titles import AlertText, group_title
from warroom.clock import FrozenClock
from warroom.config import Config
from warroom.context import Context
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.incidents.queries import by_ref
from warroom.incidents.schemas import DeclareIn


def declared(db: Database, clock: FrozenClock, title: str = "Storm") -> int:
    ctx = Context(config=Config(), actor="alice", now=clock.now())
    out = incidents.declare(db, ctx, DeclareIn(title=title, severity="sev-3"))
    with db.read() as session:
        return by_ref(session, out.ref).id


def stored_alerts(
    db: Database, clock: FrozenClock, incident_id: int, alerts: list[AlertText], firing: int
) -> list[Tallied]:
    """`alerts` stored as the incident's (the first `firing` of them firing), as tallied."""
    with db.write() as session:
        rows = [
            Alert(
                scope="integration:1",
                dedup_key=f"{incident_id}-{i}",
                source="alertmanager",
                summary=a.summary,
                severity="critical" if i % 2 else "warning",
                status="firing" if i < firing else "resolved",
                labels=dict(a.labels),
                first_seen_at=clock.now() + timedelta(seconds=i),
                last_seen_at=clock.now() + timedelta(seconds=i),
                incident_id=incident_id,
            )
            for i, a in enumerate(alerts)
        ]
        session.add_all(rows)
        session.flush()
        return [Tallied(r.id, r.summary, r.labels, r.first_seen_at) for r in rows]


def add(db: Database, incident_id: int, alerts: list[Tallied]) -> None:
    with db.write() as session:
        tally.add(session, incident_id, alerts)


def title_of(db: Database, incident_id: int) -> str | None:
    with db.read() as session:
        return tally.title_of(session, incident_id)


def storm(hosts: int, name: str = "Probe3", **labels: str) -> list[AlertText]:
    return [
        AlertText(
            f"{name} failed on host-{i:05d}",
            {"alertname": name, "instance": f"host-{i:05d}", **labels},
        )
        for i in range(1, hosts + 1)
    ]


def test_the_title_of_an_incident_is_the_title_of_its_tallied_alerts(
    db: Database, clock: FrozenClock
) -> None:
    incident = declared(db, clock)
    assert title_of(db, incident) is None  # nothing tallied

    cases = [
        storm(1),
        storm(2),
        storm(5),
        [*storm(3), *storm(2, name="Other")],
        [AlertText("x" * 600, {"alertname": LONG + "12", "host": LONG + "34"})] * 2,
        [AlertText("  ", {}), AlertText("b", {"alertname": "B"})],
    ]
    for alerts in cases:
        with db.write() as session:
            session.execute(delete(IncidentAlertLabel))
        tallied = [Tallied(i + 1, a.summary, a.labels, clock.now()) for i, a in enumerate(alerts)]
        add(db, incident, tallied[1::2])  # the later ones first, as a concurrent group may
        add(db, incident, tallied[0::2])
        assert title_of(db, incident) == group_title(alerts), alerts


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alerts=alert_lists, data=st.data())
def test_any_alerts_in_any_batches_are_titled_as_a_list_of_them_would_be(
    db: Database, clock: FrozenClock, alerts: list[AlertText], data: st.DataObject
) -> None:
    with db.write() as session:
        session.execute(delete(IncidentAlertLabel))
        incident = session.scalar(select(Incident.id).limit(1))
    if incident is None:
        incident = declared(db, clock)
    tallied = [Tallied(i + 1, a.summary, a.labels, clock.now()) for i, a in enumerate(alerts)]
    order = data.draw(st.permutations(tallied))
    cut = data.draw(st.integers(0, len(order)))
    add(db, incident, order[:cut])
    add(db, incident, order[cut:])
    assert title_of(db, incident) == group_title(alerts)


def test_a_storm_of_ten_thousand_alerts_is_counted_and_titled(
    db: Database, clock: FrozenClock
) -> None:
    incident = declared(db, clock)
    alerts = storm(10_000, cluster="eu-west-1")
    tallied = [Tallied(i + 1, a.summary, a.labels, clock.now()) for i, a in enumerate(alerts)]
    for start in range(0, len(tallied), 500):  # 50-alert webhooks, 10 to a transaction
        add(db, incident, tallied[start : start + 500])
    assert title_of(db, incident) == group_title(alerts)
    assert title_of(db, incident) == "Probe3 on 10000 hosts (host-00001, host-00002, host-00003, …)"
    with db.read() as session:
        summary = tally.summary_of(session, incident)
    assert summary.alerts == 10_000
    hosts = next(c for c in summary.labels if c.name == "host")
    assert (hosts.values, hosts.alerts, hosts.other_values) == (10_000, 10_000, 10_000 - tally.TOP)
    assert [v.value for v in hosts.top] == [f"host-{i:05d}" for i in range(1, tally.TOP + 1)]


def test_the_summary_counts_by_label_with_the_first_and_latest_alert(
    db: Database, clock: FrozenClock
) -> None:
    incident = declared(db, clock)
    other = declared(db, clock, "Another incident")
    alerts = [
        *storm(7, cluster="eu-west-1", severity="critical"),
        *storm(3, name="DiskFull", cluster="eu-west-2"),
        *(AlertText(f"check {i}", {"job": f"job-{i}"}) for i in range(8)),
    ]
    tallied = stored_alerts(db, clock, incident, alerts, firing=12)
    add(db, incident, tallied[:10])
    add(db, incident, tallied[10:])
    add(db, other, stored_alerts(db, clock, other, storm(2), firing=2))

    with db.read() as session:
        summary = tally.summary_of(session, incident)
        empty = tally.summary_of(session, declared(db, clock, "Quiet"))
    assert (summary.alerts, summary.firing) == (18, 12)
    counts = {c.name: c for c in summary.labels}
    assert list(counts) == ["alertname", "host", "cluster", "job", "severity"]  # tally order
    names = counts["alertname"]
    assert [(v.value, v.alerts) for v in names.top] == [("Probe3", 7), ("DiskFull", 3)]
    assert (names.values, names.alerts, names.other_values, names.other_alerts) == (2, 10, 0, 0)
    jobs = counts["job"]
    assert [v.value for v in jobs.top] == [f"job-{i}" for i in range(tally.TOP)]  # first seen
    assert (jobs.values, jobs.other_values, jobs.other_alerts) == (8, 3, 3)
    hosts = counts["host"]  # DiskFull is on three of Probe3's hosts: most alerts first
    assert [(v.value, v.alerts) for v in hosts.top] == [
        ("host-00001", 2),
        ("host-00002", 2),
        ("host-00003", 2),
        ("host-00004", 1),
        ("host-00005", 1),
    ]
    assert (hosts.values, hosts.alerts, hosts.other_values, hosts.other_alerts) == (7, 10, 2, 2)
    assert Counter({v.value: v.alerts for v in counts["cluster"].top}) == Counter(
        {"eu-west-1": 7, "eu-west-2": 3}
    )
    assert summary.first is not None and summary.latest is not None
    assert (summary.first.dedup_key, summary.first.summary) == (
        f"{incident}-0",
        "Probe3 failed on host-00001",
    )
    assert (summary.latest.dedup_key, summary.latest.summary) == (f"{incident}-17", "check 7")
    assert summary.latest.status == "resolved"
    assert (empty.alerts, empty.firing, empty.labels, empty.first) == (0, 0, [], None)


def test_concurrent_tallies_of_one_incident_lose_nothing(db: Database, clock: FrozenClock) -> None:
    incident = declared(db, clock)
    alerts = storm(40, cluster="c")
    tallied = [Tallied(i + 1, a.summary, a.labels, clock.now()) for i, a in enumerate(alerts)]
    # Eight transactions at once over shared values (@all, alertname, cluster), each in
    # its own order of hosts.
    batches = [tallied[i::8] for i in range(8)]
    errors: list[BaseException] = []

    def one(batch: list[Tallied]) -> None:
        try:
            add(db, incident, list(reversed(batch)) if len(batch) % 2 else batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert title_of(db, incident) == group_title(alerts)
    with db.read() as session:
        summary = tally.summary_of(session, incident)
    assert summary.alerts == 40
    assert {c.name: c.alerts for c in summary.labels} == {
        "alertname": 40,
        "host": 40,
        "cluster": 40,
    }


def test_an_empty_batch_adds_nothing(db: Database, clock: FrozenClock) -> None:
    incident = declared(db, clock)
    add(db, incident, [])
    assert title_of(db, incident) is None


def test_several_incidents_are_tallied_and_titled_together(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tally, "_TITLES_AT_ONCE", 2)  # and so in several statements
    storms = {declared(db, clock): storm(n, name=f"Probe{n}") for n in (1, 2, 4, 6, 9)}
    quiet = declared(db, clock, "No alerts")
    first_id = iter(range(1, 100))
    tallied = {
        i: [Tallied(next(first_id), a.summary, a.labels, clock.now()) for a in alerts]
        for i, alerts in storms.items()
    }
    with db.write() as session:
        tally.add_all(session, tallied)
    with db.read() as session:
        found = tally.titles_of(session, [quiet, *storms])
    assert found == {i: group_title(alerts) for i, alerts in storms.items()}


def test_the_api_gives_a_viewer_the_summary_of_an_incidents_alerts(api: Api) -> None:
    with api.client("admin") as admin:
        ref = declare(admin, title="Storm", severity="sev-2")["ref"]
    with api.db.read() as session:
        incident = by_ref(session, ref).id
    alerts = storm(12, cluster="eu-west-1")
    add(api.db, incident, stored_alerts(api.db, api.clock, incident, alerts, firing=10))

    with api.client("viewer") as viewer:
        answer = viewer.get(f"/api/v1/incidents/{ref}/alerts/summary")
        short = viewer.get(f"/api/v1/incidents/{ref[:-4]}{ref[-3:]}/alerts/summary")
        unknown = viewer.get("/api/v1/incidents/incident-2025-11-01-0999/alerts/summary")
        spec = viewer.get("/openapi.json").json()
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert (summary["alerts"], summary["firing"]) == (12, 10)
    hosts = next(c for c in summary["labels"] if c["name"] == "host")
    assert (hosts["values"], hosts["other_values"]) == (12, 12 - tally.TOP)
    assert summary["first"]["summary"] == "Probe3 failed on host-00001"
    assert summary["latest"]["summary"] == "Probe3 failed on host-00012"
    assert short.json() == summary  # the runbook's 3-digit form
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"]
    assert httpx.get(f"{api.url}/api/v1/incidents/{ref}/alerts/summary").status_code == 401
    route = spec["paths"]["/api/v1/incidents/{ref}/alerts/summary"]["get"]
    schema = route["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/AlertsSummaryOut"}
