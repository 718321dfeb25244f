"""Finding things in a runbook's outline by words: sections by title, table columns by
header (any column order), so runbooks written in other styles still read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from warroom.runbooks.outline import Section, Table


def words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def column(header: Sequence[str], names: Sequence[str], skip: set[int]) -> int | None:
    """First column whose header contains a word, trying words in order of preference."""
    lowered = [h.lower() for h in header]
    for word in names:
        for index, name in enumerate(lowered):
            if index not in skip and word in name:
                return index
    return None


def cell(cells: Sequence[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def tables_in(section: Section) -> Iterator[Table]:
    for _, block in section.all_blocks():
        if isinstance(block, Table):
            yield block
