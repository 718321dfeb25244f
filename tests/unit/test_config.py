from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from warroom.config import ConfigError, load_config, parse_config

GOOD = """\
timezone: Europe/Berlin
business_hours:
  timezone: Europe/Berlin
  days: [mon, tue, wed, thu, fri]
  start: "08:30"
  holidays: DE-BY
teams:
  - name: platform
    members: [alice, bob]
people:
  - id: alice
    name: Alice Example
    email: alice@example.com
    chat: "@alice"
  - id: bob
    name: Bob Example
services:
  - name: api-service
    team: platform
    tier: 1
  - name: payments
"""


def test_a_good_file_loads() -> None:
    config = parse_config(GOOD, "warroom.yaml")
    assert config.service_names() == ["api-service", "payments"]
    assert config.person_ids() == ["alice", "bob"]
    assert config.business_hours.start == time(8, 30)
    assert config.business_calendar.holiday_country == "DE-BY"
    assert config.business_calendar.weekdays == frozenset(range(5))


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "warroom.yaml")
    return [str(p) for p in caught.value.problems]


def test_unknown_key_is_reported_with_its_line() -> None:
    text = GOOD.replace("    tier: 1\n", "    tier: 1\n    owner: platform\n")
    assert problems(text) == ["warroom.yaml:21: services[0].owner: unknown key"]


def test_wrong_type_and_bad_values_name_the_key_and_line() -> None:
    text = GOOD.replace("tier: 1", "tier: top").replace(
        "Europe/Berlin\nbusiness", "Mars/Olympus\nbusiness"
    )
    found = problems(text)
    assert any(
        p.startswith("warroom.yaml:1: timezone: ") and "unknown time zone" in p for p in found
    )
    assert any(p.startswith("warroom.yaml:20: services[0].tier: ") for p in found)


def test_cross_references_are_checked() -> None:
    text = GOOD.replace("team: platform", "team: storage").replace("[alice, bob]", "[alice, zed]")
    found = problems(text)
    assert "warroom.yaml:9: teams[0].members[1]: unknown person 'zed'" in found
    assert "warroom.yaml:19: services[0].team: unknown team 'storage' (known: platform)" in found


def test_duplicates_and_bad_days_and_holidays() -> None:
    text = GOOD.replace("  - name: payments", "  - name: api-service")
    assert problems(text) == ["warroom.yaml:21: services[1]: duplicate name 'api-service'"]
    found = problems(GOOD.replace("[mon, tue, wed, thu, fri]", "[mon, funday]"))
    assert found[0].startswith("warroom.yaml:4: business_hours.days: ")
    found = problems(GOOD.replace("DE-BY", "XX"))
    assert found[0].startswith("warroom.yaml:6: business_hours.holidays: ")


def test_yaml_syntax_errors_and_non_mappings() -> None:
    assert problems("services: [\n")[0].startswith("warroom.yaml:2: (yaml): ")
    assert problems("- just\n- a list\n") == ["warroom.yaml:1: (top level): expected a mapping"]
    assert parse_config("").services == []


def test_load_config_reads_files_and_reports_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(GOOD)
    assert load_config(path).service_names() == ["api-service", "payments"]
    assert load_config(None).services == []
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
