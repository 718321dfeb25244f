"""Every timeline event kind is declared once, by its domain, with its visibility; the
kinds written anywhere in the code are declared ones (a kind only a rare path writes
would otherwise fail there, in production)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import warroom
from warroom.domains import EVENT_KINDS, PUBLIC_KINDS, event_kind
from warroom.timeline.model import UnknownEventKindError

SOURCE = Path(warroom.__file__).parent
# Written with an f-string (`page_{status}`): the statuses a page settles in.
COMPUTED = {"page_sent", "page_failed"}


def recorded_kinds() -> dict[str, str]:
    """Kind -> where, for each literal kind passed to a `…record(...)` call."""
    found: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else None)
            if name is None or not name.endswith("record"):
                continue
            # timeline.record(…, kind="…"), and the domains' wrappers that take the kind
            # positionally: record(session, incident, ctx, "kind", data).
            candidates = [k.value for k in node.keywords if k.arg == "kind"] + node.args[3:4]
            for value in candidates:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[value.value] = f"{path.relative_to(SOURCE)}:{node.lineno}"
    return found


def test_every_kind_the_code_records_is_declared() -> None:
    recorded = recorded_kinds()
    assert len(recorded) > 20  # the scan sees the code
    undeclared = {kind: where for kind, where in recorded.items() if kind not in EVENT_KINDS}
    assert undeclared == {}


def test_every_declared_kind_is_recorded_somewhere() -> None:
    unused = set(EVENT_KINDS) - set(recorded_kinds()) - COMPUTED
    assert unused == set()


def test_public_kinds_are_the_ones_a_status_page_may_show() -> None:
    assert {
        "incident_declared",
        "status_changed",
        "incident_resolved",
        "incident_reopened",
    } == PUBLIC_KINDS
    assert all(kind.description for kind in EVENT_KINDS.values())


def test_an_undeclared_kind_is_refused_with_where_to_declare_it() -> None:
    with pytest.raises(UnknownEventKindError, match=r"events\.py"):
        event_kind("coffee_spilled")
