"""Configuration by domain: each domain owns its keys and checks, `Config` composes them,
and one `Settings` reads the `WARROOM_*` environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import warroom
from warroom.auth.links import signing_key
from warroom.config import Config, ConfigError, parse_config
from warroom.domain_config import SECTIONS
from warroom.notify.sender import AppriseSender
from warroom.settings import Settings

SRC = Path(warroom.__file__).parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_every_key_is_owned_by_exactly_one_section() -> None:
    owners: dict[str, list[str]] = {}
    for section in SECTIONS:
        assert issubclass(Config, section.model), section.domain
        for key in section.model.model_fields:
            owners.setdefault(key, []).append(section.domain)
    assert set(owners) == set(Config.model_fields)
    assert {key: domains for key, domains in owners.items() if len(domains) > 1} == {}
    assert owners["schedules"] == ["paging"]
    assert owners["integrations"] == ["alerts"]
    assert owners["services"] == ["incidents"]


def test_loading_names_no_domain() -> None:
    # A new section (status_page:, actions:, slack:) is added in its domain's package
    # and listed in domain_config.py; config.py, which reads the file, stays as it is.
    domains = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    names = imported(SRC / "config.py")
    assert {n for n in names if n.split(".")[1:2] and n.split(".")[1] in domains} == set()


def test_each_domain_checks_its_own_references() -> None:
    text = """\
people:
  - id: alice
services:
  - name: api
    schedule: nights
integrations:
  - name: am
    kind: alertmanager
    key_env: WARROOM_TEST_AM_KEY
  - name: am
    kind: alertmanager
    key_env: WARROOM_TEST_AM_KEY
"""
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "org.yaml", warnings=[])
    lines = str(exc.value).splitlines()
    assert "org.yaml:5: services[0].schedule: unknown schedule 'nights'" in lines
    assert "org.yaml:10: integrations[1]: duplicate name 'am'" in lines


def test_no_module_but_settings_reads_the_environment_through_pydantic() -> None:
    readers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "pydantic_settings" in imported(path)
    )
    assert readers == ["settings.py"]


def test_one_settings_object_reads_every_warroom_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("WARROOM_CONFIG", str(tmp_path / "org.yaml"))
    monkeypatch.setenv("WARROOM_LOG_LEVEL", "debug")
    monkeypatch.setenv("WARROOM_PUBLIC_URL", "https://warroom.example.com")
    monkeypatch.setenv("WARROOM_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("WARROOM_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("WARROOM_SMTP_PORT", "587")
    monkeypatch.setenv("WARROOM_SMTP_USER", "warroom")
    monkeypatch.setenv("WARROOM_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("WARROOM_SMTP_FROM", "pages@example.com")
    monkeypatch.setenv("WARROOM_SMTP_SECURITY", "starttls")
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'w.db'}"
    assert settings.config == tmp_path / "org.yaml"
    assert settings.log_level == "debug"
    assert settings.public_url == "https://warroom.example.com"
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(settings)
    assert signing_key() == "k" * 40
    smtp = settings.smtp
    assert (smtp.host, smtp.port, smtp.user, smtp.password) == (
        "mail.example.com",
        587,
        "warroom",
        "s3cret",
    )
    assert (smtp.sender, smtp.security) == ("pages@example.com", "starttls")
    assert AppriseSender(settings.smtp).smtp == smtp
