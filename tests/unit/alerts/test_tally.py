"""The tallies give the title a list of the alerts would (alerts/tally.py, titles.py):
pure, over random alert lists attached in random batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from warroom.alerts import tally, titles
from warroom.alerts.tally import Row, Tallied
from warroom.alerts.titles import AlertText, group_title

START = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
LONG = "x" * 499  # with one more character or two: values the tally keeps cut


def first_group_title(alerts: list[AlertText]) -> str:
    """group_title as it was written before the tallies shared it (titles.py, 2026-12-02),
    to show that sharing changed nothing."""
    first = alerts[0]
    if len(alerts) == 1:
        return titles._one(first.summary)
    hosts = list(dict.fromkeys(h for h in (titles.host(a.labels) for a in alerts) if h))
    names = {a.labels.get("alertname", "").strip() for a in alerts}
    name = names.pop() if len(names) == 1 else ""
    if name and len(hosts) > 1:
        shown = ", ".join(hosts[:3]) + (", …" if len(hosts) > 3 else "")
        title = f"{name} on {len(hosts)} hosts ({shown})"
    elif name:
        title = f"{name}: {len(alerts)} alerts"
    else:
        more = len(alerts) - 1
        title = f"{titles._one(first.summary)} (and {more} more alert{'s' if more > 1 else ''})"
    return title[:500]


_value = st.sampled_from(["", " ", "a", " a", "b", "c", "d", "e", LONG + "1", LONG + "12"])
_labels = st.dictionaries(
    st.sampled_from(["alertname", *titles.HOST_LABELS[:3], "cluster", "severity", "other"]),
    _value,
    max_size=5,
)
_summary = st.sampled_from(["", "  ", "Disk full", "x" * 600, " Probe failed "])
alert_lists = st.lists(st.builds(AlertText, _summary, _labels), min_size=1, max_size=25)


def merged(stored: dict[tuple[str, str], Row], rows: dict[tuple[str, str], Row]) -> None:
    """What `tally.add`'s upsert does to the stored rows."""
    for key, new in rows.items():
        old = stored.get(key)
        if old is None:
            stored[key] = replace(new)
            continue
        earlier = new.first_alert_id < old.first_alert_id
        stored[key] = Row(
            alerts=old.alerts + new.alerts,
            first_alert_id=new.first_alert_id if earlier else old.first_alert_id,
            last_alert_id=max(old.last_alert_id, new.last_alert_id),
            first_seen_at=min(old.first_seen_at, new.first_seen_at),
            last_seen_at=max(old.last_seen_at, new.last_seen_at),
            first_summary=new.first_summary if earlier else old.first_summary,
        )


def title_from_tallies(stored: dict[tuple[str, str], Row], names_first: bool) -> str:
    """What `tally.title_of` reads: the `@all` row, any two alertname rows, the hosts
    counted and the first three by first alert."""
    everything = stored[(tally.ALL, "")]
    names = sorted(
        ((v, r.alerts) for (n, v), r in stored.items() if n == "alertname"), reverse=names_first
    )
    hosts = sorted((r.first_alert_id, v) for (n, v), r in stored.items() if n == tally.HOST)
    facts = tally.facts_from(
        total=everything.alerts,
        first_summary=everything.first_summary or "",
        alertnames=names[:2],
        hosts=[v for _, v in hosts[: titles.NAMED_HOSTS]],
        host_count=len(hosts),
    )
    return titles.title_from(facts)


@given(alerts=alert_lists, data=st.data())
def test_the_title_from_the_tallies_is_the_title_of_the_alerts(
    alerts: list[AlertText], data: st.DataObject
) -> None:
    # Alert ids in list order; attached in batches of any size, in any order (concurrent
    # transactions commit in any order), each alert once.
    tallied = [
        Tallied(i + 1, a.summary, a.labels, START + timedelta(seconds=data.draw(st.integers(0, 9))))
        for i, a in enumerate(alerts)
    ]
    order = data.draw(st.permutations(tallied))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=5)))
    batches = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    stored: dict[tuple[str, str], Row] = {}
    for batch in batches:
        merged(stored, tally.rows_of(batch))

    expected = group_title(alerts)
    assert expected == first_group_title(alerts)
    assert title_from_tallies(stored, data.draw(st.booleans())) == expected
    everything = stored[(tally.ALL, "")]
    assert everything.alerts == len(alerts)
    assert (everything.first_alert_id, everything.last_alert_id) == (1, len(alerts))
    assert everything.first_seen_at == min(t.at for t in tallied)


def test_a_long_value_is_kept_cut_and_still_told_apart() -> None:
    one, other = tally.stored(LONG + "12"), tally.stored(LONG + "13")
    assert one != other
    assert one.startswith(LONG + "1…")
    assert len(one) == len(other) == 517
    assert tally.stored(LONG + "1") == LONG + "1"  # 500 characters: whole


def test_an_alert_adds_to_its_tallied_labels_and_its_host() -> None:
    labels = {"alertname": " Probe ", "node": "n1", "host": "h1", "cluster": "", "team": "x"}
    assert tally.values_of(labels) == [("@all", ""), ("alertname", "Probe"), ("@host", "h1")]
