"""The `schedules:` configuration: the documented YAML loads, mistakes are named."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from warroom.paging.oncall import model
from warroom.paging.oncall.model import Layer, Override, Restriction, Schedule
from warroom.paging.oncall.rules import on_call_at

EXAMPLE = """
schedules:
  - name: primary
    timezone: Europe/Berlin
    layers:
      - name: weekly
        rotation: weekly
        handoff: "09:00"
        handoff_day: mon
        start: 2025-01-06
        participants: [alice, bob, carol]
        restrictions:
          - days: [mon, tue, wed, thu, fri]
            start: "09:00"
            end: "17:00"
    overrides:
      - person: dave
        start: 2025-11-01T09:00:00+01:00
        end: 2025-11-02T09:00:00+01:00
"""


def test_the_documented_yaml_loads_and_means_what_it_says() -> None:
    [primary] = [Schedule.model_validate(s) for s in yaml.safe_load(EXAMPLE)["schedules"]]
    assert primary.layers[0] == Layer(
        name="weekly",
        rotation="weekly",
        handoff=time(9),
        handoff_day="mon",
        start=date(2025, 1, 6),
        participants=["alice", "bob", "carol"],
        restrictions=[
            Restriction(days=["mon", "tue", "wed", "thu", "fri"], start=time(9), end=time(17))
        ],
    )
    assert primary.overrides[0].start == datetime(2025, 11, 1, 8, tzinfo=UTC)
    assert on_call_at(primary, datetime(2025, 1, 6, 8, tzinfo=UTC)) == "alice"
    assert on_call_at(primary, datetime(2025, 1, 13, 8, tzinfo=UTC)) == "bob"
    assert on_call_at(primary, datetime(2025, 1, 11, 12, tzinfo=UTC)) is None  # Saturday
    assert on_call_at(primary, datetime(2025, 11, 1, 20, tzinfo=UTC)) == "dave"


def test_the_module_docstring_example_loads() -> None:
    assert model.__doc__ is not None
    text = model.__doc__.split("```yaml")[1].split("```")[0]
    [primary] = [Schedule.model_validate(s) for s in yaml.safe_load(text)["schedules"]]
    assert [layer.rotation for layer in primary.layers] == ["weekly", "hours"]


def base(**changes: Any) -> dict[str, Any]:
    layer = {"name": "l", "rotation": "daily", "start": "2025-01-01", "participants": ["a"]}
    layer.update(changes)
    return {"name": "primary", "timezone": "Europe/Berlin", "layers": [layer]}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({**base(), "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        (base(participants=[]), "at least 1 item"),
        (base(handoff="25:00"), "'25:00' is not a time of day"),
        (base(handoff="9am"), "not a wall-clock time"),
        (base(handoff=540), 'quoted strings, e.g. "17:00"'),  # YAML's reading of 9:00
        (base(rotation="monthly"), "'daily', 'weekly' or 'hours'"),
        (base(rotation="hours"), "needs turn_hours"),
        (base(turn_hours=12), "turn_hours only applies to rotation: hours"),
        (base(handoff_day="mon"), "handoff_day only applies to rotation: weekly"),
        (base(rotation="weekly", handoff_day="someday"), "'mon', 'tue'"),
        (base(rotation="hours", turn_hours=0), "greater than or equal to 1"),
        (base(restrictions=[{"days": [], "start": "09:00", "end": "17:00"}]), "at least 1"),
        (base(participants=["Alice Smith"]), "should match pattern"),
        (base(colour="red"), "Extra inputs are not permitted"),
        ({**base(), "layers": []}, "at least 1 item"),
        ({**base(), "layers": base()["layers"] * 2}, "layer names must be unique; repeated: l"),
    ],
)
def test_mistakes_are_refused_with_a_clear_message(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Schedule.model_validate(config)


def test_override_must_end_after_it_starts_and_carry_a_zone() -> None:
    with pytest.raises(ValidationError, match=r"ends .* before it starts"):
        Override.model_validate(
            {"person": "dave", "start": "2025-11-02T09:00:00+01:00", "end": "2025-11-01T09:00Z"}
        )
    with pytest.raises(ValidationError, match="timezone"):
        Override.model_validate(
            {"person": "dave", "start": "2025-11-01T09:00:00", "end": "2025-11-02T09:00:00"}
        )


def test_weekdays_and_times_accept_the_usual_spellings() -> None:
    restriction = Restriction.model_validate(
        {"days": ["Monday", "FRI"], "start": "9:05", "end": time(17, 30)}
    )
    assert restriction.days == ["mon", "fri"]
    assert restriction.weekday_numbers() == frozenset({0, 4})
    assert (restriction.start, restriction.end) == (time(9, 5), time(17, 30))
    weekly = Layer.model_validate(
        {"name": "w", "rotation": "weekly", "start": "2025-01-08", "participants": ["a"]}
    )
    assert weekly.handoff == time(9)
    assert weekly.handoff_weekday() == 2  # the start's weekday, a Wednesday
