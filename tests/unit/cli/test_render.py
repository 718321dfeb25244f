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
