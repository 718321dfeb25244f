"""A runbook's reference material and text checks: access needed, quick links, the
contact table, metadata lines (version, owner, last updated), and warnings about the
text itself."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from warroom.runbooks.findings import FindingLog
from warroom.runbooks.model import Contact, QuickLink, RunbookMetadata, slug
from warroom.runbooks.outline import ListBlock, ListItem, Paragraph, Section, Table, groups
from warroom.runbooks.tables import cell, column, tables_in, words

_CONTACT_SECTION = words(r"contact|on-?call roster|people|directory")
_METADATA_LINE = words(
    r"^(?P<key>last updated|updated|last reviewed|version|owner|maintainer|maintained by)"
    r"\s*:\s*(?P<value>.+)$"
)
_SUBSTITUTION = re.compile(r"\$\([^)]*\)|\$\{[^}]*\}")
_LINK_ITEM = re.compile(r"^(?P<label>.+?)\s*(?::|—|–|\s-\s)\s*<?(?P<url>https?://\S+?)>?$")


def access_and_links(sections: Sequence[Section]) -> tuple[list[str], list[QuickLink]]:
    access: list[str] = []
    links: list[QuickLink] = []
    for section in sections:
        for group in groups(section, include_children=False):
            label = (group.label or section.title).lower()
            for block in group.blocks:
                if not isinstance(block, ListBlock):
                    continue
                if "access" in label:
                    access.extend(" ".join(i.text.split("\n")) for i in block.items)
                elif "link" in label or "dashboard" in label:
                    links.extend(_quick_link(i) for i in block.items if _quick_link(i))  # type: ignore[misc]
    return access, links


def contacts(sections: Sequence[Section]) -> list[Contact]:
    contacts: list[Contact] = []
    for section in sections:
        if not _CONTACT_SECTION.search(section.title):
            continue
        for table in tables_in(section):
            role_col = column(table.header, ("role", "name", "team", "who"), set())
            if role_col is None:
                continue
            used = {role_col}
            contact_col = column(table.header, ("contact", "handle", "slack", "email"), used)
            if contact_col is not None:
                used.add(contact_col)
            phone_col = column(table.header, ("phone", "mobile", "tel"), used)
            if phone_col is not None:
                used.add(phone_col)
            for row in table.rows:
                role = cell(row.cells, role_col)
                if not role:
                    continue
                phone = cell(row.cells, phone_col)
                extra = {
                    table.header[i]: cell(row.cells, i)
                    for i in range(len(table.header))
                    if i not in used and cell(row.cells, i)
                }
                contacts.append(
                    Contact(
                        role=role,
                        role_key=slug(role),
                        contact=cell(row.cells, contact_col),
                        phone=None if phone.lower() in ("", "-", "—", "n/a", "none") else phone,
                        extra=extra,
                        line=row.line,
                    )
                )
    return contacts


def text_lines(root: Section, sections: Sequence[Section]) -> Iterator[tuple[str, int]]:
    """Every line of prose (not code) with its line number."""
    for section in sections:
        yield section.title, section.line
    for _, block in root.all_blocks():
        if isinstance(block, Paragraph):
            for offset, line in enumerate(block.inline.lines):
                yield line, block.line + offset
        elif isinstance(block, ListBlock):
            yield from _item_lines(block.items)
        elif isinstance(block, Table):
            for row in block.rows:
                yield " | ".join(row.cells), row.line


def metadata(root: Section, sections: Sequence[Section]) -> RunbookMetadata:
    values: dict[str, str] = {}
    for line, _ in text_lines(root, sections):
        match = _METADATA_LINE.match(line.strip()) if ":" in line else None
        if match:
            key = match.group("key").lower()
            key = (
                "last_updated"
                if "updat" in key or "review" in key
                else "version"
                if key == "version"
                else "owner"
            )
            values.setdefault(key, match.group("value").strip())
    updated_text = values.get("last_updated")
    return RunbookMetadata(
        version=values.get("version"),
        owner=values.get("owner"),
        last_updated=_date(updated_text),
        last_updated_text=updated_text,
    )


def lint_text(root: Section, sections: Sequence[Section], log: FindingLog) -> None:
    """Warnings about the text itself: unexpanded substitutions, empty headings, short rows."""
    for line, number in text_lines(root, sections):
        if "$" not in line:
            continue
        for match in _SUBSTITUTION.finditer(line):
            log.warning(
                number,
                "unexpanded-substitution",
                f"{match.group(0)} is an unexpanded shell substitution "
                "(the file was not generated through a shell)",
            )
    for section in sections:
        if not section.blocks and not section.children:
            log.warning(section.line, "empty-section", f"heading {section.title!r} has no content")
    for _, block in root.all_blocks():
        if isinstance(block, Table):
            for row in block.rows:
                if row.written_cells < len(block.header):
                    log.warning(
                        row.line,
                        "table-missing-cells",
                        f"table row has {row.written_cells} cell(s); the "
                        f"header has {len(block.header)}",
                    )


def _item_lines(items: Sequence[ListItem]) -> Iterator[tuple[str, int]]:
    for item in items:
        yield item.text, item.line
        yield from _item_lines(item.children)


def _quick_link(item: ListItem) -> QuickLink | None:
    if item.inline.links:
        text, href = item.inline.links[0]
        label = item.text.replace(text, "").strip(" :—–-") or text
        return QuickLink(label=label.strip(), url=href, line=item.line)
    match = _LINK_ITEM.match(" ".join(item.text.split("\n")).strip())
    if match:
        return QuickLink(label=match.group("label").strip(), url=match.group("url"), line=item.line)
    return None


def _date(text: str | None) -> date | None:
    if not text or _SUBSTITUTION.search(text):
        return None
    text = text.strip()
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None
