"""Commands -> parameterised action definitions, and rendering them with values."""

from __future__ import annotations

import pytest

from warroom.runbooks.actions import parse_command, split_commands
from warroom.runbooks.model import ActionDefinition, ActionError, ActionParameter


def test_split_shell_commands_with_comments_and_continuations() -> None:
    code = (
        "# Restart it\nkubectl rollout restart \\\n  deployment/api -n prod\n\n$ kubectl get pods\n"
    )
    commands = split_commands(code, "bash", first_line=10)
    assert [(c.text, c.description, c.line) for c in commands] == [
        ("kubectl rollout restart deployment/api -n prod", "Restart it", 11),
        ("kubectl get pods", None, 14),
    ]


def test_split_sql_statements() -> None:
    code = "-- Slow\nSELECT 1\nFROM t;\n-- Locks\nSELECT 2;\n"
    commands = split_commands(code, "sql", first_line=1)
    assert [(c.text, c.description) for c in commands] == [
        ("SELECT 1\nFROM t;", "Slow"),
        ("SELECT 2;", "Locks"),
    ]


def test_language_less_blocks_are_commands_only_if_they_look_like_commands() -> None:
    assert split_commands("Status: Investigating\nImpact: [x]\n", "", 1) == []
    assert [c.text for c in split_commands("/rollback-emergency api\n", "", 1)] == [
        "/rollback-emergency api"
    ]
    assert split_commands("print('hi')\n", "python", 1) == []


@pytest.mark.parametrize(
    ("command", "argv", "params"),
    [
        ("/incident-declare sev-1", ["/incident-declare", "{severity}"], {"severity": "sev-1"}),
        (
            "/feature-flag-toggle beta on",
            ["/feature-flag-toggle", "{flag}", "{state}"],
            {"flag": "beta", "state": "on"},
        ),
        (
            "kubectl -n prod scale deploy web --replicas 3",
            [
                "kubectl",
                "-n",
                "{namespace}",
                "scale",
                "deploy",
                "{service}",
                "--replicas",
                "{replicas}",
            ],
            {"namespace": "prod", "service": "web", "replicas": 3},
        ),
        (
            "redis-cli -h cache.internal -n 2 FLUSHDB",
            ["redis-cli", "-h", "{host}", "-n", "{db}", "FLUSHDB"],
            {"host": "cache.internal", "db": 2},
        ),
        ("docker restart api", ["docker", "restart", "{service}"], {"service": "api"}),
        (
            "kubectl rollout undo deployment/${SERVICE}",
            ["kubectl", "rollout", "undo", "deployment/{service}"],
            {"service": None},
        ),
    ],
)
def test_parameters(command: str, argv: list[str], params: dict[str, object]) -> None:
    parsed = parse_command(command, "exec")
    assert parsed.problem is None
    assert parsed.argv == argv
    assert {p.name: p.default for p in parsed.parameters} == params


def test_pipes_need_a_shell_and_quotes_are_kept_as_one_argument() -> None:
    parsed = parse_command("kubectl logs deployment/api | grep 'two words'", "exec")
    assert parsed.runner == "shell"
    assert parsed.argv == ["kubectl", "logs", "deployment/{service}", "|", "grep", "two words"]


def _scale() -> ActionDefinition:
    return ActionDefinition(
        name="scale_up_resources",
        label="Scale up resources",
        kind="mitigation",
        command="kubectl scale deployment api-service --replicas=10 -n production",
        argv=[
            "kubectl",
            "scale",
            "deployment",
            "{service}",
            "--replicas={replicas}",
            "-n",
            "{namespace}",
        ],
        parameters=[
            ActionParameter(name="service", default="api-service"),
            ActionParameter(name="replicas", type="int", default=10),
            ActionParameter(name="namespace", default="production"),
        ],
    )


def test_render_fills_defaults_and_values() -> None:
    action = _scale()
    assert action.render() == [
        "kubectl",
        "scale",
        "deployment",
        "api-service",
        "--replicas=10",
        "-n",
        "production",
    ]
    assert action.render({"service": "web", "replicas": 3})[3:5] == ["web", "--replicas=3"]


def test_render_rejects_bad_values() -> None:
    action = _scale()
    with pytest.raises(ActionError, match="integer"):
        action.render({"replicas": "ten"})
    with pytest.raises(ActionError, match="unknown"):
        action.render({"colour": "red"})
    flag = ActionDefinition(
        name="toggle",
        label="Toggle",
        kind="mitigation",
        command="/t x off",
        argv=["/t", "{state}"],
        parameters=[
            ActionParameter(name="state", type="choice", default="off", choices=["on", "off"])
        ],
    )
    with pytest.raises(ActionError, match="one of"):
        flag.render({"state": "maybe"})
    required = ActionDefinition(
        name="undo",
        label="Undo",
        kind="mitigation",
        command="x",
        argv=["x", "{service}"],
        parameters=[ActionParameter(name="service")],
    )
    with pytest.raises(ActionError, match="required"):
        required.render()


def test_render_shell_quotes_values_so_they_cannot_inject() -> None:
    parsed = parse_command("kubectl logs deployment/api | grep ERROR", "exec")
    action = ActionDefinition(
        name="logs",
        label="Logs",
        kind="diagnostic",
        runner="shell",
        command="",
        argv=parsed.argv,
        parameters=parsed.parameters,
    )
    assert action.render_shell() == "kubectl logs deployment/api | grep ERROR"
    assert action.render_shell({"service": "x; rm -rf /"}) == (
        "kubectl logs 'deployment/x; rm -rf /' | grep ERROR"
    )
