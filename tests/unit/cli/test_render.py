"""What the CLI prints, rendered by Rich at a given width (no server needed)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from warroom.cli import render


def _incident(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "ref": f"incident-2026-11-26-000{n}",
        "severity": "SEV-1",
        "status": "investigating",
        "title": "Checkout API returns 500s for every customer in the EU region since the deploy",
        "services": ["api-service", "payments", "checkout-frontend"],
        "declared_at": "2026-11-26T09:00:00+00:00",
        "response_due_at": "2026-11-26T09:15:00+00:00",
        "acknowledged_at": None,
        "response_breached": False,
        **overrides,
    }


ITEMS = [
    _incident(1),
    _incident(2, severity="SEV-3", status="identified", acknowledged_at="x", title="Slow"),
    _incident(3, severity="SEV-2", status="monitoring", response_breached=True, services=[]),
]


def _lines(width: int) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    console.print(render.incident_table(ITEMS, console.width))
    return buffer.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 100, 160])
def test_list_has_one_whole_line_per_incident_at_any_width(width: int) -> None:
    lines = _lines(width)
    assert all(len(line) <= width for line in lines)
    rows = [line for line in lines if line.startswith("incident-")]
    assert len(rows) == len(ITEMS)  # nothing wrapped onto a second line
    for line, item in zip(rows, ITEMS, strict=True):
        words = line.split()
        assert words[:3] == [item["ref"], item["severity"], item["status"]]
    assert "due 09:15" in rows[0]
    assert "ack'd" in rows[1]
    assert "breached" in rows[2]
    assert "Checkout API" in rows[0]
    assert "…" in rows[0] or width >= 160  # a long title is cut short, not wrapped


def test_wide_terminals_also_show_services_and_declaration_time() -> None:
    wide, narrow = _lines(180), _lines(80)
    assert "api-service, payments" in wide[2] and "11-26 09:00" in wide[2]
    assert "Services" not in narrow[0] and "api-service" not in "\n".join(narrow)


def test_an_incidents_alerts_read_as_counts_with_what_is_left_out() -> None:
    def counts(name: str, values: list[tuple[str, int]], total: int, alerts: int) -> Any:
        top = [{"value": v, "alerts": n} for v, n in values]
        shown = sum(n for _, n in values)
        return {
            "name": name,
            "values": total,
            "alerts": alerts,
            "top": top,
            "other_values": total - len(top),
            "other_alerts": alerts - shown,
        }

    summary = {
        "alerts": 40,
        "firing": 0,
        "labels": [
            counts("host", [("web-1 [prod]", 40)], 1, 40),
            counts("job", [(f"job-{i}", 8 - i) for i in range(5)], 8, 40),
        ],
        "first": None,
        "latest": None,
    }
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(render.alerts_summary(summary))
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    assert lines == [
        "Alerts: 40 (0 firing)",
        "host  web-1 [prod] 40",  # one host is named with its count; no markup taken
        "job   job-0 8 · job-1 7 · job-2 6 · job-3 5 · job-4 4 · 3 more (10)",
    ]
