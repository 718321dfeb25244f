"""Runbook code blocks -> commands -> parameterised action definitions (model only).

`kubectl scale deployment api-service --replicas=10 -n production` becomes
argv `["kubectl", "scale", "deployment", "{service}", "--replicas={replicas}", "-n",
"{namespace}"]` with parameters service="api-service", replicas=10 (int) and
namespace="production": the values the runbook wrote are the defaults.
Splitting uses shlex; parameters are recognised by tool-specific option names,
Kubernetes resource references, slash-command argument shapes and explicit
placeholders (`{service}`, `<service>`, `$SERVICE`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from warroom.runbooks.model import (
    ActionDefinition,
    ActionKind,
    ActionParameter,
    ActionRunner,
    CodeBlock,
    Command,
    ParameterType,
    slug,
)

SHELL_LANGUAGES = {"bash", "sh", "shell", "zsh", "console", "shell-session", "terminal", "cmd"}
SQL_LANGUAGES = {"sql", "psql", "pgsql", "postgres", "postgresql", "mysql", "plsql", "tsql"}
# Binaries a language-less block may start lines with and still be commands.
_KNOWN_TOOLS = {
    "kubectl",
    "helm",
    "psql",
    "mysql",
    "redis-cli",
    "aws",
    "gcloud",
    "az",
    "docker",
    "systemctl",
    "curl",
    "journalctl",
    "terraform",
    "git",
    "ssh",
    "grep",
    "tail",
}

_OPTION_PARAMS: dict[str, dict[str, str]] = {
    "kubectl": {
        "-n": "namespace",
        "--namespace": "namespace",
        "--replicas": "replicas",
        "--context": "context",
        "--since": "since",
        "--tail": "tail",
        "-l": "selector",
        "--selector": "selector",
    },
    "helm": {"-n": "namespace", "--namespace": "namespace", "--kube-context": "context"},
    "psql": {
        "-h": "host",
        "--host": "host",
        "-d": "database",
        "--dbname": "database",
        "-U": "user",
        "--username": "user",
        "-p": "port",
        "--port": "port",
    },
    "redis-cli": {"-h": "host", "-p": "port", "-n": "db"},
    "aws": {
        "--region": "region",
        "--profile": "profile",
        "--cluster": "cluster",
        "--service": "service",
    },
}
_INT_PARAMS = {"replicas", "tail", "port", "db", "count"}
_SERVICE_KINDS = {"deployment", "deploy", "statefulset", "sts", "daemonset", "ds", "service", "svc"}
_RESOURCE_REF = re.compile(
    r"^(?P<kind>deployments?|deploy|statefulsets?|sts|daemonsets?|ds|services?|svc|rollout"
    r"|pods?|po|jobs?|cronjobs?)/(?P<name>[\w.-]+)$"
)
_STATE_PAIRS = (("on", "off"), ("enable", "disable"), ("enabled", "disabled"), ("true", "false"))
_INCIDENT_REF = re.compile(r"^incident-\d{4}-\d{2}-\d{2}-\d{3,4}$", re.IGNORECASE)
_SEVERITY_ARG = re.compile(r"^(sev-?\d|p\d|critical|high|medium|low)$", re.IGNORECASE)
_ANGLE_PLACEHOLDER = re.compile(r"<([A-Za-z][\w-]*)>")
_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")
_SUBSTITUTION = re.compile(r"\$\(|`")
_OPERATOR = re.compile(r"^[();<>|&]+$")
_OPERATOR_CHAR = re.compile(r"[();<>|&]")
_QUOTE_CHAR = re.compile(r"[\"'\\]")
_BRACE_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_SLASH_COMMAND = re.compile(r"/[a-z][\w-]*")
_INTEGER = re.compile(r"-?\d+")
_DIGITS = re.compile(r"\d+")
_SERVICE_SUFFIX = re.compile(r"-(service|svc|api|app)$")
_SAFE_TOKEN = re.compile(r"[\w@%+=:,./{}-]+")


def runner_for(language: str) -> ActionRunner | None:
    lang = language.lower()
    if lang in SQL_LANGUAGES:
        return "sql"
    if lang in SHELL_LANGUAGES:
        return "exec"
    return None


def _looks_like_command(line: str) -> bool:
    first = line.split(maxsplit=1)[0] if line.strip() else ""
    return bool(_SLASH_COMMAND.fullmatch(first)) or first in _KNOWN_TOOLS


def split_commands(code: str, language: str, first_line: int) -> list[Command]:
    """Commands of a code block; a comment line right before a command describes it.

    `first_line` is the line of the first line of code (the line after the fence).
    """
    runner = runner_for(language)
    if runner is None and not language:
        # A language-less block holds commands only if its lines look like commands
        # (the update template is language-less too, and is not runnable).
        lines = [ln.strip() for ln in code.splitlines() if ln.strip()]
        if not lines or not all(_looks_like_command(ln.removeprefix("$ ")) for ln in lines):
            return []
        runner = "exec"
    if runner is None:
        return []
    sql = runner == "sql"
    comment = "--" if sql else "#"
    commands: list[Command] = []
    description: str | None = None
    pending: list[str] = []
    pending_line = 0
    for offset, raw in enumerate(code.splitlines()):
        line = raw.rstrip()
        stripped = line.strip()
        if not pending:
            if not stripped:
                continue
            if stripped.startswith(comment):
                text = stripped[len(comment) :].strip()
                description = f"{description} {text}" if description else text
                continue
            pending_line = first_line + offset
        if not sql:
            stripped = stripped.removeprefix("$ ")
        pending.append(stripped)
        done = stripped.endswith(";") if sql else not stripped.endswith("\\")
        if done:
            text = "\n".join(pending) if sql else " ".join(p.rstrip("\\").strip() for p in pending)
            commands.append(Command(text=text, description=description, line=pending_line))
            pending, description = [], None
    if pending:
        text = "\n".join(pending) if sql else " ".join(p.rstrip("\\").strip() for p in pending)
        commands.append(Command(text=text, description=description, line=pending_line))
    return commands


@dataclass
class _Params:
    """Parameters found so far; the same value reused keeps one parameter."""

    params: list[ActionParameter] = field(default_factory=list)

    def add(
        self,
        name: str,
        default: str | None,
        type_: ParameterType = "string",
        choices: list[str] | None = None,
    ) -> str:
        for existing in self.params:
            if existing.name == name and (
                existing.default is None or str(existing.default) == default
            ):
                return name
        taken = {p.name for p in self.params}
        unique, counter = name, 2
        while unique in taken:
            unique, counter = f"{name}_{counter}", counter + 1
        if type_ == "string" and name in _INT_PARAMS:
            type_ = "int"
        value: str | int | None = default
        if type_ == "int" and default is not None:
            if not _INTEGER.fullmatch(default):
                type_ = "string"
            else:
                value = int(default)
        self.params.append(
            ActionParameter(name=unique, type=type_, default=value, choices=choices or [])
        )
        return unique


def _placeholder(name: str) -> str:
    return "{" + name + "}"


def _tokenise(text: str) -> list[str]:
    words = text.split()
    # shlex is slow; a command without quotes or escapes, whose operators stand alone,
    # splits the same on whitespace.
    if not _QUOTE_CHAR.search(text) and (
        not _OPERATOR_CHAR.search(text)
        or all(_OPERATOR.match(w) or not _OPERATOR_CHAR.search(w) for w in words)
    ):
        return words
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # "#incidents" is an argument, not a comment
    return list(lexer)


@dataclass
class ParsedCommand:
    argv: list[str]
    parameters: list[ActionParameter]
    runner: ActionRunner
    problem: str | None = None


def _explicit_placeholders(text: str, params: _Params) -> str:
    def angle(match: re.Match[str]) -> str:
        return _placeholder(params.add(slug(match.group(1)), None))

    def env(match: re.Match[str]) -> str:
        return _placeholder(params.add(slug(match.group(1) or match.group(2)), None))

    if "<" in text:
        text = _ANGLE_PLACEHOLDER.sub(angle, text)
    if "$" in text:
        text = _ENV_PLACEHOLDER.sub(env, text)
    if "{" in text:
        for name in _BRACE_PLACEHOLDER.findall(text):
            params.add(name, None)
    return text


def _option_params(tool: str, argv: list[str], params: _Params) -> None:
    options = _OPTION_PARAMS.get(tool, {})
    index = 1
    while index < len(argv):
        token = argv[index]
        if "=" in token and token.startswith("--"):
            option, value = token.split("=", 1)
            if option in options and "{" not in value:
                argv[index] = f"{option}={_placeholder(params.add(options[option], value))}"
        elif token in options and index + 1 < len(argv):
            value = argv[index + 1]
            if not value.startswith("-") and "{" not in value and not _OPERATOR.match(value):
                argv[index + 1] = _placeholder(params.add(options[token], value))
                index += 1
        index += 1


def _resource_params(argv: list[str], params: _Params) -> None:
    for index, token in enumerate(argv):
        ref = _RESOURCE_REF.match(token)
        if ref:
            kind = ref.group("kind").rstrip("s")
            name = "pod" if kind in ("pod", "po") else "job" if "job" in kind else "service"
            argv[index] = f"{ref.group('kind')}/{_placeholder(params.add(name, ref.group('name')))}"
        elif (
            index > 1
            and argv[index - 1] in _SERVICE_KINDS
            and not token.startswith("-")
            and "{" not in token
            and not _OPERATOR.match(token)
        ):
            argv[index] = _placeholder(params.add("service", token))


def _slash_params(argv: list[str], params: _Params) -> None:
    verb = argv[0].lower()
    for index in range(1, len(argv)):
        token = argv[index]
        low = token.lower()
        if token.startswith("-") or "{" in token or _OPERATOR.match(token):
            continue
        pair = next((p for p in _STATE_PAIRS if low in p), None)
        if _INCIDENT_REF.match(token):
            name = params.add("incident", token)
        elif pair is not None:
            name = params.add("state", token, "choice", list(pair))
        elif _SEVERITY_ARG.match(token):
            name = params.add("severity", token)
        elif "flag" in verb and not any(p.name == "flag" for p in params.params):
            name = params.add("flag", token)
        elif any(w in verb for w in ("rollback", "restart", "deploy", "scale", "service")) or (
            _SERVICE_SUFFIX.search(low)
        ):
            name = params.add("service", token)
        elif _DIGITS.fullmatch(token):
            name = params.add("count", token)
        else:
            continue
        argv[index] = _placeholder(name)


def _positional_service(argv: list[str], params: _Params) -> None:
    """`systemctl restart nginx`, `docker restart api`, `helm rollback api`: the service."""
    if (
        len(argv) >= 3
        and argv[0] == "helm"
        and argv[1] in ("rollback", "upgrade", "status", "uninstall", "history")
        and not argv[2].startswith("-")
        and "{" not in argv[2]
    ):
        argv[2] = _placeholder(params.add("service", argv[2]))
    if (
        len(argv) >= 3
        and argv[0] in ("systemctl", "docker", "service")
        and argv[1] in ("restart", "start", "stop", "status", "reload")
        and "{" not in argv[2]
    ):
        argv[2] = _placeholder(params.add("service", argv[2]))


def parse_command(text: str, runner: ActionRunner) -> ParsedCommand:
    """Split and parameterise one command; `problem` says why it could not be."""
    params = _Params()
    if runner == "sql":
        _explicit_placeholders(text, params)
        return ParsedCommand(argv=[], parameters=params.params, runner="sql")
    if _SUBSTITUTION.search(text):
        # The shell must expand it at run time; warroom runs it as written.
        return ParsedCommand(
            argv=[],
            parameters=[],
            runner="shell",
            problem="uses shell command substitution ($(...) or backticks); it runs as written",
        )
    templated = _explicit_placeholders(text, params)
    try:
        argv = _tokenise(templated)
    except ValueError as exc:
        return ParsedCommand(argv=[], parameters=[], runner="shell", problem=f"cannot split: {exc}")
    if not argv:
        return ParsedCommand(argv=[], parameters=[], runner="exec", problem="empty command")
    needs_shell = any(_OPERATOR.match(t) for t in argv)
    steps: list[Callable[[list[str], _Params], None]]
    tool = argv[0].rsplit("/", 1)[-1]
    if argv[0].startswith("/") and _SLASH_COMMAND.fullmatch(argv[0]):
        steps = [_slash_params]
    else:
        steps = [
            lambda a, p: _option_params(tool, a, p),
            _resource_params if tool in ("kubectl", "oc") else _positional_service,
        ]
    for step in steps:
        step(argv, params)
    joined = " ".join(argv)
    ordered = sorted(params.params, key=lambda p: _first_use(joined, p.name))
    return ParsedCommand(argv=argv, parameters=ordered, runner="shell" if needs_shell else "exec")


def _first_use(joined: str, name: str) -> int:
    position = joined.find(_placeholder(name))
    return position if position >= 0 else len(joined)


def _script(parsed: ParsedCommand, text: str) -> str:
    """Shell text of the template: operators bare, every other token quoted."""
    if parsed.runner == "sql" or not parsed.argv:
        return text
    return " ".join(
        t if _OPERATOR.match(t) or _SAFE_TOKEN.fullmatch(t) else shlex.quote(t) for t in parsed.argv
    )


def _derived_name(command: Command, argv: list[str]) -> str:
    words = [w.lstrip("/") for w in argv[:3] if not w.startswith("-") and "{" not in w]
    return slug(" ".join(words[:2])) or slug(command.text.split("\n")[0][:40]) or "command"


@dataclass
class ActionContext:
    kind: ActionKind
    phase: str | None = None
    incident_type: str | None = None


def build_actions(
    block: CodeBlock,
    context: ActionContext,
    report: Callable[[int, str], None],
) -> list[ActionDefinition]:
    """Action definitions for a code block's commands; `report(line, msg)` gets problems."""
    runner = runner_for(block.language) or "exec"
    actions: list[ActionDefinition] = []
    for index, command in enumerate(block.commands):
        parsed = parse_command(command.text, runner)
        if parsed.problem:
            report(command.line, f"command {command.text!r} {parsed.problem}")
        label = command.description or block.label
        if label and len(block.commands) > 1 and not command.description:
            label = f"{label} {index + 1}"
        name = slug(label) if label else _derived_name(command, parsed.argv)
        actions.append(
            ActionDefinition(
                name=name or "command",
                label=label or name,
                kind=context.kind,
                runner=parsed.runner,
                command=command.text,
                argv=parsed.argv,
                script=_script(parsed, command.text),
                parameters=parsed.parameters,
                language=block.language,
                phase=context.phase,
                incident_type=context.incident_type,
                description=command.description,
                line=command.line,
            )
        )
    return actions
