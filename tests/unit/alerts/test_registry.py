"""An alert format is declared once (`alerts.formats.registry`): every face and rule that
knows the formats reads the records, and the two copies that cannot import them (a
`Literal` for the schema, the CLI's help) name exactly the declared formats."""

from __future__ import annotations

from typing import Any, get_args, get_type_hints

from fastapi import FastAPI

from warroom.alerts import integrations, stale, webhooks
from warroom.alerts.formats.registry import FORMATS
from warroom.alerts.schemas import IntegrationKind
from warroom.cli import alerts as cli_alerts


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": path}


def test_the_integration_kinds_are_the_declared_formats() -> None:
    assert set(get_args(IntegrationKind)) == set(FORMATS)


def test_the_cli_names_each_declared_format_as_a_kind() -> None:
    hints = get_type_hints(cli_alerts.integration_create, include_extras=True)
    (option,) = hints["kind"].__metadata__
    kinds = [kind.strip() for kind in option.help.split(",")]
    assert sorted(kinds) == sorted(FORMATS)


def test_every_url_of_every_format_is_answered_and_documented() -> None:
    app = FastAPI()
    app.include_router(webhooks.router)
    documented = app.openapi()["paths"]
    for name, format_ in FORMATS.items():
        urls = format_.urls(key="k3y")
        assert urls == integrations.intake_urls(name, key="k3y")
        for url in urls.values():
            route = webhooks.intake_route(_scope(url))
            assert route is not None, url
            assert route.params == ({"key": "k3y"} if format_.webhook else {})
        templates = list(format_.urls().values())
        for template in templates:
            assert "post" in documented[template], template
        # The alerts' URL (the first) documents the format's body.
        body = documented[templates[0]]["post"]["requestBody"]["content"]
        schema, declared = body["application/json"]["schema"], format_.body()
        assert schema["title"] == declared["title"]
        assert schema["properties"].keys() == declared["properties"].keys()
    # Nothing else is taken for an intake path.
    assert webhooks.intake_route(_scope("/api/v1/integrations/k3y/nagios")) is None
    assert set(webhooks.WEBHOOKS) == {n for n, f in FORMATS.items() if f.webhook}


def test_the_stale_timeout_follows_each_formats_declaration() -> None:
    for name, format_ in FORMATS.items():
        expected = 600 if format_.expires_by_default else None
        assert stale.stale_timeout(None, name, 600) == expected
        warning = stale.warning(name, 60)
        if format_.expires_by_default:
            assert warning is None
        else:
            assert warning is not None and format_.resent_by in warning
        if format_.quiet_at_most is not None:
            longer = int(format_.quiet_at_most.total_seconds()) + 1
            assert stale.warning(name, longer) is None
