"""The incidents domain's part of the configuration file: `services:` and the
runbooks (`runbook:`, each service's own), and the name checks the incident verbs share.

```yaml
runbook: runbooks/default.md
services:
  - name: checkout
    team: payments
    tier: 1
    escalation_policy: payments-critical
    schedule: payments-primary
    runbook: runbooks/checkout.md
```

Whether a service's team, schedule and policy exist is paging's check
(`paging/config.py`): those are names paging resolves.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PrivateAttr

from warroom.errors import InvalidInputError
from warroom.runbooks.findings import RunbookError
from warroom.runbooks.model import Runbook
from warroom.runbooks.service import default_runbook, load_runbook
from warroom.sections import NAME_PATTERN, ConfigPath, Found, Strict, duplicates


class ServiceEntry(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    team: str | None = None
    tier: int = Field(default=2, ge=0, le=4)
    description: str = ""
    escalation_policy: str | None = Field(
        default=None, description="A policy from escalation_policies; default: the runbook's"
    )
    schedule: str | None = Field(default=None, description="Who its on-call engineer is")
    runbook: str | None = Field(default=None, description="Markdown runbook path")


class IncidentsConfig(Strict):
    runbook: str | None = Field(
        default=None, description="Default Markdown runbook (path relative to this file)"
    )
    services: list[ServiceEntry] = Field(default_factory=list)

    def service(self, name: str) -> ServiceEntry | None:
        return next((s for s in self.services if s.name == name), None)

    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    # With no services configured, any name is accepted (config is optional).
    def check_services(self, names: list[str], field: str = "services") -> list[str]:
        """The names, deduplicated, or InvalidInputError listing the known services."""
        unique = list(dict.fromkeys(names))
        known = self.service_names()
        unknown = [n for n in unique if known and n not in known]
        if unknown:
            raise InvalidInputError(
                f"unknown service(s) {', '.join(unknown)}; known: {', '.join(known)}",
                field=field,
            )
        return unique

    _runbooks: dict[str, Runbook] = PrivateAttr(default_factory=dict)

    def runbook_for(self, services: list[str]) -> Runbook:
        """The first of the services' own runbooks, else the configured default, else the
        shipped default (written from the customer's runbook)."""
        for name in services:
            service = self.service(name)
            if service and service.runbook and service.runbook in self._runbooks:
                return self._runbooks[service.runbook]
        if self.runbook and self.runbook in self._runbooks:
            return self._runbooks[self.runbook]
        return default_runbook()

    def load_runbooks(self, base: Path) -> Found:
        """Parse every runbook the file names; returns problems (path in file, message)."""
        problems: Found = []
        wanted: list[tuple[ConfigPath, str]] = (
            [(("runbook",), self.runbook)] if self.runbook else []
        )
        wanted += [
            (("services", i, "runbook"), s.runbook)
            for i, s in enumerate(self.services)
            if s.runbook
        ]
        for where, name in wanted:
            if name in self._runbooks:
                continue
            try:
                self._runbooks[name] = load_runbook(base / name)
            except RunbookError as exc:
                errors = [f for f in exc.findings if f.level == "error"] or exc.findings
                first = errors[0]
                problems.append(
                    (
                        where,
                        f"runbook {name}: line {first.line}: {first.message}"
                        + (
                            f" (and {len(errors) - 1} more; run `warroom runbook lint`)"
                            if len(errors) > 1
                            else ""
                        ),
                    )
                )
        return problems


def checks(config: IncidentsConfig) -> Found:
    return duplicates("services", config.service_names())


def load(config: IncidentsConfig, base: Path) -> Found:
    return config.load_runbooks(base)
