"""The sections of the configuration file, listed once, and `Config` composed of them.

A domain that needs configuration (a status page, actions, chat) adds, in its own
package, a `config.py` with a model of its keys (a `Strict` subclass: e.g.
`status_page: StatusPageSettings`) and the functions that check them (each takes the
whole configuration and returns `(path in the file, message)` pairs, reported as
`FILE:LINE: key: message`); then lists them in `SECTIONS` below and adds the model
to `Config`'s bases. `warroom/config.py` (loading, line numbers) does not change.

Bases are listed last section first: pydantic orders the keys (and the errors about
them) from the last base to the first.
"""

from __future__ import annotations

from warroom.alerts import config as alerts
from warroom.incidents import config as incidents
from warroom.paging import config as paging
from warroom.sections import ConfigSection, GeneralConfig


class Config(alerts.AlertsConfig, paging.PagingConfig, incidents.IncidentsConfig, GeneralConfig):
    """The organisation as code: one YAML file."""


SECTIONS: tuple[ConfigSection, ...] = (
    ConfigSection("general", GeneralConfig),
    ConfigSection(
        "incidents", incidents.IncidentsConfig, load=incidents.load, checks=incidents.checks
    ),
    ConfigSection("paging", paging.PagingConfig, checks=paging.checks),
    ConfigSection(
        "alerts",
        alerts.AlertsConfig,
        checks=alerts.checks,
        environment=alerts.missing_secrets,
        advice=alerts.stale_timeouts,
    ),
)
