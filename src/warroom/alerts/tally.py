"""An incident's alerts counted by label, kept as they attach (`incident_alert_labels`).

A storm attaches thousands of alerts to one incident; reading them back to title it or to
show it would read them all. Instead each attachment adds to a row per tallied label value
(`TALLIED`, the host as the title picks it, and `@all` for every alert), and the title,
the summary and the counts are read from those rows: a few index probes, however many
alerts there are. Values of more than `KEPT` characters are stored cut, with a digest of
the whole so that distinct values stay distinct (see `limits.TALLY_VALUE`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, Text, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from warroom.alerts import titles
from warroom.alerts.models import Alert, IncidentAlertLabel
from warroom.alerts.schemas import AlertBriefOut, AlertsSummaryOut, LabelCountsOut, LabelValueOut
from warroom.db import upsert_insert

HOST = "@host"  # the host of `titles.host`, not a label of that name
ALL = "@all"  # every alert, value ""
TALLIED = ("alertname", HOST, "cluster", "namespace", "job", "service", "severity")
# A title shows at most TITLE_MAX characters of any value, so a value cut after as many
# still gives the title a list of the alerts would.
KEPT = titles.TITLE_MAX
TOP = 5  # values shown per name by `summary_of`
_DIGEST = 16  # hex digits of SHA-256 after a cut value (with "…": 517, limits.TALLY_VALUE)


@dataclass(frozen=True)
class Tallied:
    """An alert as it attaches to an incident."""

    alert_id: int
    summary: str
    labels: Mapping[str, str]
    at: datetime


@dataclass
class Row:
    """One tallied value's share of some alerts (what `add` upserts)."""

    alerts: int
    first_alert_id: int
    last_alert_id: int
    first_seen_at: datetime
    last_seen_at: datetime
    first_summary: str | None = None


def stored(value: str) -> str:
    """`value` as the tally keeps it: whole up to KEPT characters, else cut and marked."""
    if len(value) <= KEPT:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST]
    return f"{value[:KEPT]}…{digest}"


def values_of(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (name, stored value) pairs an alert with `labels` adds to, `@all` included."""
    pairs = [(ALL, "")]
    for name in TALLIED:
        value = titles.host(labels) if name == HOST else labels.get(name, "").strip()
        if value:
            pairs.append((name, stored(value)))
    return pairs


def rows_of(alerts: Sequence[Tallied]) -> dict[tuple[str, str], Row]:
    """What `alerts` add to each (name, value), in any order of alerts."""
    rows: dict[tuple[str, str], Row] = {}
    for alert in alerts:
        for key in values_of(alert.labels):
            row = rows.get(key)
            if row is None:
                summary = alert.summary[: titles.TITLE_MAX] if key[0] == ALL else None
                rows[key] = Row(1, alert.alert_id, alert.alert_id, alert.at, alert.at, summary)
                continue
            row.alerts += 1
            if alert.alert_id < row.first_alert_id:
                row.first_alert_id = alert.alert_id
                if key[0] == ALL:
                    row.first_summary = alert.summary[: titles.TITLE_MAX]
            row.last_alert_id = max(row.last_alert_id, alert.alert_id)
            row.first_seen_at = min(row.first_seen_at, alert.at)
            row.last_seen_at = max(row.last_seen_at, alert.at)
    return rows


def add(session: Session, incident_id: int, alerts: Sequence[Tallied]) -> None:
    """Count `alerts` into the incident's tallies, in one statement. Each alert once per
    incident: an alert attached again to the same incident must not be passed again."""
    add_all(session, {incident_id: alerts})


def add_all(session: Session, alerts: Mapping[int, Sequence[Tallied]]) -> None:
    """`add` for several incidents (incident id → its newly attached alerts), together in
    one statement."""
    params = [
        {
            "incident_id": incident_id,
            "name": name,
            "value": value,
            "alerts": row.alerts,
            "first_alert_id": row.first_alert_id,
            "last_alert_id": row.last_alert_id,
            "first_seen_at": row.first_seen_at,
            "last_seen_at": row.last_seen_at,
            "first_summary": row.first_summary,
        }
        # In key order, so that transactions tallying the same incidents lock their rows
        # in the same order and never deadlock.
        for incident_id in sorted(alerts)
        for (name, value), row in sorted(rows_of(alerts[incident_id]).items())
    ]
    if not params:
        return
    table = IncidentAlertLabel.__table__
    c = table.c
    insert = upsert_insert(session)(table)
    new = insert.excluded
    earlier = new.first_alert_id < c.first_alert_id
    statement = insert.on_conflict_do_update(
        index_elements=[c.incident_id, c.name, c.value],
        set_={
            "alerts": c.alerts + new.alerts,
            # The first and last by alert id and time, whichever transaction commits first.
            "first_alert_id": case((earlier, new.first_alert_id), else_=c.first_alert_id),
            "first_summary": case((earlier, new.first_summary), else_=c.first_summary),
            "last_alert_id": case(
                (new.last_alert_id > c.last_alert_id, new.last_alert_id), else_=c.last_alert_id
            ),
            "first_seen_at": case(
                (new.first_seen_at < c.first_seen_at, new.first_seen_at), else_=c.first_seen_at
            ),
            "last_seen_at": case(
                (new.last_seen_at > c.last_seen_at, new.last_seen_at), else_=c.last_seen_at
            ),
        },
    )
    session.execute(statement, params)


def facts_from(
    total: int,
    first_summary: str,
    alertnames: Sequence[tuple[str, int]],
    hosts: Sequence[str],
    host_count: int,
) -> titles.TitleFacts:
    """The title's facts from the tallies: the `@all` row, up to two `alertname` rows (two
    are enough to know that no name is common to all), the first hosts and their count."""
    return titles.TitleFacts(
        total=total,
        first_summary=first_summary,
        alertnames=dict(alertnames),
        hosts=list(hosts[: titles.NAMED_HOSTS]),
        host_count=host_count,
    )


def title_of(session: Session, incident_id: int) -> str | None:
    """The group title of the incident's tallied alerts (None when none is tallied), equal
    to `titles.group_title` of them all in alert-id order."""
    return titles_of(session, [incident_id]).get(incident_id)


# Members of one compound SELECT, two per incident: SQLite allows 500.
_TITLES_AT_ONCE = 200


def titles_of(session: Session, incident_ids: Collection[int]) -> dict[int, str]:
    """`title_of` each incident that has tallies, in one statement per 200 incidents, of
    index probes: the hosts are counted, and only the first NAMED_HOSTS of them read."""
    ids = sorted(set(incident_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), _TITLES_AT_ONCE):
        found.update(_titles(session, ids[start : start + _TITLES_AT_ONCE]))
    return found


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    t = IncidentAlertLabel
    columns = (t.incident_id, t.value, t.alerts, t.first_summary, t.first_alert_id)

    def part(n: int) -> Any:
        return literal(n).label("part")

    # (part, incident, value, alerts, summary, first alert); each member a subquery, since
    # SQLite allows no LIMIT on a member of a compound SELECT.
    members = [
        select(part(0), *columns).where(t.incident_id.in_(ids), t.name == ALL),
        select(
            part(1),
            t.incident_id,
            literal("", String).label("value"),
            func.count().label("alerts"),
            literal(None, Text).label("first_summary"),
            literal(0, BigInteger).label("first_alert_id"),
        )
        .where(t.incident_id.in_(ids), t.name == HOST)
        .group_by(t.incident_id),
    ]
    for incident_id in ids:
        of = t.incident_id == incident_id
        members.append(select(part(2), *columns).where(of, t.name == "alertname").limit(2))
        members.append(
            select(part(3), *columns)
            .where(of, t.name == HOST)
            .order_by(t.first_alert_id)
            .limit(titles.NAMED_HOSTS)
        )
    rows = session.execute(union_all(*(select(m.subquery()) for m in members))).all()
    parts: dict[tuple[int, int], list[Any]] = {}
    for row in sorted(rows, key=lambda r: r.first_alert_id):
        parts.setdefault((row.incident_id, row.part), []).append(row)
    found = {}
    for incident_id in ids:
        everything = parts.get((incident_id, 0))
        if not everything:
            continue
        facts = facts_from(
            total=everything[0].alerts,
            first_summary=everything[0].first_summary or "",
            alertnames=[(r.value, r.alerts) for r in parts.get((incident_id, 2), [])],
            hosts=[r.value for r in parts.get((incident_id, 3), [])],
            host_count=sum(r.alerts for r in parts.get((incident_id, 1), [])),
        )
        found[incident_id] = titles.title_from(facts)
    return found


def summary_of(session: Session, incident_id: int) -> AlertsSummaryOut:
    """The incident's alerts as counts: per tallied name its TOP values, the first and
    latest alert, how many fire now. Three statements; the tallies are read once, each
    name's TOP values found by a top-N sort of that name's values alone."""
    t = IncidentAlertLabel
    of = t.incident_id == incident_id
    # (part, name, value, alerts, values, first alert, last alert): part 0 per name, part
    # 1 its top values; each member a subquery (SQLite: no LIMIT in a compound member).
    members = [
        select(
            literal(0).label("part"),
            t.name,
            literal("", String).label("value"),
            func.sum(t.alerts).label("alerts"),
            func.count().label("values"),
            literal(0, BigInteger).label("first_alert_id"),
            literal(0, BigInteger).label("last_alert_id"),
        )
        .where(of)
        .group_by(t.name),
        *(
            select(
                literal(1).label("part"),
                t.name,
                t.value,
                t.alerts,
                literal(0).label("values"),
                t.first_alert_id,
                t.last_alert_id,
            )
            .where(of, t.name == name)
            .order_by(t.alerts.desc(), t.first_alert_id)
            .limit(TOP)
            for name in (ALL, *TALLIED)
        ),
    ]
    rows = session.execute(union_all(*(select(m.subquery()) for m in members))).all()
    totals = {r.name: r for r in rows if r.part == 0}
    if ALL not in totals:
        return AlertsSummaryOut(alerts=0, firing=0, labels=[], first=None, latest=None)
    top: dict[str, list[Any]] = {}
    for row in sorted(
        (r for r in rows if r.part == 1), key=lambda r: (-r.alerts, r.first_alert_id)
    ):
        top.setdefault(row.name, []).append(row)
    everything = top[ALL][0]
    firing = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.incident_id == incident_id, Alert.status == "firing")
    )
    ends = (everything.first_alert_id, everything.last_alert_id)
    briefs = {
        a.id: AlertBriefOut(
            dedup_key=a.dedup_key,
            summary=a.summary,
            severity=a.severity,
            status=a.status,
            first_seen_at=a.first_seen_at,
        )
        for a in session.execute(
            select(
                Alert.id,
                Alert.dedup_key,
                Alert.summary,
                Alert.severity,
                Alert.status,
                Alert.first_seen_at,
            ).where(Alert.id.in_(ends))
        )
    }
    return AlertsSummaryOut(
        alerts=everything.alerts,
        firing=firing or 0,
        labels=[_counts(n, totals[n], top[n]) for n in TALLIED if n in totals],
        first=briefs.get(ends[0]),
        latest=briefs.get(ends[1]),
    )


def _counts(name: str, total: Any, rows: list[Any]) -> LabelCountsOut:
    shown = [LabelValueOut(value=r.value, alerts=r.alerts) for r in rows]
    return LabelCountsOut(
        name=name.removeprefix("@"),
        values=total.values,
        alerts=total.alerts,
        top=shown,
        other_values=total.values - len(shown),
        other_alerts=total.alerts - sum(v.alerts for v in shown),
    )
