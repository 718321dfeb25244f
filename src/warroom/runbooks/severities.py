"""The severity table of a runbook: levels, their response times and aliases."""

from __future__ import annotations

import re
from collections.abc import Sequence

from warroom.runbooks.durations import DurationError, parse_deadline
from warroom.runbooks.findings import FindingLog
from warroom.runbooks.model import SeverityLevel
from warroom.runbooks.outline import Section
from warroom.runbooks.tables import cell, column, tables_in, words

_SEVERITY_SECTION = words(r"severit|priorit|\bsev\b|urgenc")
_SEVERITY_ALIAS = re.compile(r"^(?P<word>[A-Za-z][\w-]*)\s*(?:-|–|—|:)\s+\S")


def read_severities(
    root: Section, sections: Sequence[Section], log: FindingLog
) -> list[SeverityLevel]:
    """The first severity table: under a severity heading, else any table with a
    severity and a response column."""
    named = [s for s in sections if _SEVERITY_SECTION.search(s.title)]
    tables = [t for s in named for t in tables_in(s)]
    tables += [
        t
        for t in tables_in(root)
        if t not in tables
        and column(t.header, ("severity", "priority", "sev"), set()) is not None
        and column(t.header, ("response", "sla"), set()) is not None
    ]
    if not tables:
        if named:
            log.error(
                named[0].line,
                "severity-table-unreadable",
                f"section {named[0].title!r} has no severity table",
            )
        else:
            log.error(
                1,
                "no-severity-section",
                "no severity section: add a table of severity levels with response times",
            )
        return []
    table = tables[0]
    name_col = column(table.header, ("severity", "priority", "sev", "level", "name"), set())
    if name_col is None or not table.rows:
        log.error(
            table.line,
            "severity-table-unreadable",
            "severity table has no severity/priority/level column"
            if name_col is None
            else "severity table has no rows",
        )
        return []
    used = {name_col}
    resp_col = column(table.header, ("response", "sla", "respond", "ack", "time"), used)
    desc_col = column(
        table.header,
        ("description", "impact", "meaning", "definition", "summary", "criteria"),
        used | ({resp_col} if resp_col is not None else set()),
    )
    example_col = column(table.header, ("example",), used)
    if resp_col is None:
        log.warning(
            table.line,
            "severity-no-response-time",
            "severity table has no response time column: no SLAs",
        )
    levels: list[SeverityLevel] = []
    seen: set[str] = set()
    aliases_seen: set[str] = set()
    for row in table.rows:
        name = cell(row.cells, name_col).strip("* ")
        if not name:
            log.error(row.line, "severity-row-unreadable", "severity row has no name")
            continue
        if name.lower() in seen:
            log.error(row.line, "severity-row-unreadable", f"duplicate severity {name!r}")
            continue
        seen.add(name.lower())
        description = cell(row.cells, desc_col)
        response_text = cell(row.cells, resp_col)
        response_time, next_business_day = None, False
        if resp_col is not None:
            try:
                deadline = parse_deadline(response_text)
                response_time, next_business_day = deadline.after, deadline.next_business_day
            except DurationError:
                log.error(
                    row.line,
                    "severity-row-unreadable",
                    f"severity {name}: cannot read response time {response_text!r}",
                )
        aliases: list[str] = []
        lead = _SEVERITY_ALIAS.match(description)
        if lead:
            alias = lead.group("word").lower()
            if alias != name.lower() and alias not in aliases_seen:
                aliases.append(alias)
                aliases_seen.add(alias)
        levels.append(
            SeverityLevel(
                name=name,
                rank=len(levels) + 1,
                description=description,
                aliases=aliases,
                response_time=response_time,
                next_business_day=next_business_day,
                example=cell(row.cells, example_col),
            )
        )
    return levels
