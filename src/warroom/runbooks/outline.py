"""The Markdown token stream (markdown-it) folded into a tree of sections and blocks.

Sections nest by heading level; inside a section, blocks are paragraphs, lists
(items with nested children and code blocks), tables and code blocks, each with its
1-based source line. Section readers then work on this tree, never on raw text.

Inline Markdown is converted lazily: most runbook lines are plain text, so only text
that contains markup goes through markdown-it's inline parser (it is half the cost).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_BLOCK_MD = MarkdownIt("commonmark").enable("table")
_BLOCK_MD.core.ruler.disable("inline")
_INLINE_MD = MarkdownIt("commonmark")
_MARKUP_CHARS = re.compile(r"[*_`\[\]<>&\\!]")
# "**Label:** plain rest" is the commonest markup in runbooks; read it without the inline parser.
_LEAD_STRONG = re.compile(r"^\*\*(?P<lead>[^*_`\[\]<>&\\!\n]+)\*\*(?P<rest>[^*_`\[\]<>&\\!]*)$")
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s+")


@dataclass
class Inline:
    """Inline content as plain text, plus the parts the readers care about."""

    text: str
    code: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    lead_strong: str | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass
class Paragraph:
    inline: Inline
    line: int


@dataclass
class CodeFence:
    language: str
    code: str
    line: int


@dataclass
class ListItem:
    inline: Inline
    line: int
    ordered: bool
    checkbox: bool = False
    checked: bool = False
    children: list[ListItem] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.inline.text


@dataclass
class ListBlock:
    ordered: bool
    items: list[ListItem]
    line: int


@dataclass
class TableRow:
    cells: list[str]
    line: int
    written_cells: int


@dataclass
class Table:
    header: list[str]
    rows: list[TableRow]
    line: int


Block = Paragraph | CodeFence | ListBlock | Table


@dataclass
class Section:
    level: int
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    parent: Section | None = field(default=None, repr=False)

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()

    def ancestors(self) -> Iterator[Section]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def all_blocks(self) -> Iterator[tuple[Section, Block]]:
        for section in self.walk():
            for block in section.blocks:
                yield section, block


@dataclass
class Group:
    """Blocks under one label: "**Investigation Checklist:**" or a sub-heading."""

    label: str | None
    line: int
    blocks: list[Block] = field(default_factory=list)


def parse_inline(content: str) -> Inline:
    if not _MARKUP_CHARS.search(content):
        return Inline(text=content)
    simple = _LEAD_STRONG.match(content)
    if (
        simple
        and not simple.group("lead").startswith(" ")
        and not simple.group("lead").endswith(" ")
    ):
        label = simple.group("lead").strip().rstrip(":").strip()
        return Inline(text=simple.group("lead") + simple.group("rest"), lead_strong=label or None)
    tokens: list[Token] = []
    _INLINE_MD.inline.parse(content, _INLINE_MD, {}, tokens)
    parts: list[str] = []
    code: list[str] = []
    links: list[tuple[str, str]] = []
    lead: list[str] | None = None
    capturing = False
    seen_text = False
    link_href: str | None = None
    link_start = 0
    for token in tokens:
        kind = token.type
        if kind == "strong_open" and lead is None and not seen_text:
            lead, capturing = [], True
        elif kind == "strong_close" and capturing:
            capturing = False
        elif kind in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
            if kind == "code_inline":
                code.append(token.content)
            if capturing and lead is not None:
                lead.append(token.content)
            else:
                seen_text = seen_text or bool(token.content.strip())
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "link_open":
            link_href = str(token.attrs.get("href", ""))
            link_start = len("".join(parts))
        elif kind == "link_close" and link_href is not None:
            links.append(("".join(parts)[link_start:], link_href))
            link_href = None
        elif kind == "image":
            parts.append(token.content)
    lead_text = "".join(lead).strip().rstrip(":").strip() if lead is not None else None
    return Inline(text="".join(parts), code=code, links=links, lead_strong=lead_text or None)


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _cell_count(source_line: str) -> int:
    """Cells actually written in a table row (markdown-it pads missing ones)."""
    body = source_line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return len(re.split(r"(?<!\\)\|", body))


class _Builder:
    def __init__(self, tokens: list[Token], lines: list[str]) -> None:
        self.tokens = tokens
        self.lines = lines
        self.pos = 0

    def next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def blocks_until(self, close: str) -> list[Block]:
        blocks: list[Block] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.type == close:
                self.pos += 1
                return blocks
            blocks.extend(self.block())
        return blocks

    def block(self) -> list[Block]:
        token = self.next()
        kind = token.type
        if kind == "paragraph_open":
            inline = self.next()
            self.next()  # paragraph_close
            return [Paragraph(parse_inline(inline.content), _line(token))]
        if kind in ("fence", "code_block"):
            language = token.info.strip().split(" ")[0] if kind == "fence" else ""
            return [CodeFence(language=language, code=token.content, line=_line(token))]
        if kind in ("bullet_list_open", "ordered_list_open"):
            return [self.list_block(token, ordered=kind == "ordered_list_open")]
        if kind == "table_open":
            return [self.table(token)]
        if kind == "blockquote_open":
            # Quoted blocks still carry content ("> **Note:** ..."); read through them.
            return self.blocks_until("blockquote_close")
        return []

    def list_block(self, opening: Token, ordered: bool) -> ListBlock:
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[ListItem] = []
        while self.pos < len(self.tokens):
            token = self.next()
            if token.type == close:
                break
            if token.type != "list_item_open":
                continue
            blocks = self.blocks_until("list_item_close")
            items.append(self.list_item(token, blocks, ordered))
        return ListBlock(ordered=ordered, items=items, line=_line(opening))

    @staticmethod
    def list_item(token: Token, blocks: list[Block], ordered: bool) -> ListItem:
        inline = Inline(text="")
        rest = blocks
        if blocks and isinstance(blocks[0], Paragraph):
            inline, rest = blocks[0].inline, blocks[1:]
        item = ListItem(inline=inline, line=_line(token), ordered=ordered)
        box = _CHECKBOX.match(inline.text)
        if box:
            item.checkbox = True
            item.checked = box.group("mark") != " "
            item.inline = Inline(
                text=inline.text[box.end() :],
                code=inline.code,
                links=inline.links,
                lead_strong=inline.lead_strong,
            )
        for block in rest:
            if isinstance(block, ListBlock):
                item.children.extend(block.items)
            item.blocks.append(block)
        return item

    def table(self, opening: Token) -> Table:
        header: list[str] = []
        rows: list[TableRow] = []
        current: list[str] | None = None
        row_line = 0
        while self.pos < len(self.tokens):
            token = self.next()
            kind = token.type
            if kind == "table_close":
                break
            if kind == "tr_open":
                current = []
                row_line = _line(token)
            elif kind == "inline" and current is not None:
                current.append(parse_inline(token.content).text.strip())
            elif kind == "tr_close" and current is not None:
                if not header:
                    header = current
                else:
                    source = self.lines[row_line - 1] if 0 < row_line <= len(self.lines) else ""
                    rows.append(TableRow(current, row_line, _cell_count(source)))
                current = None
        return Table(header=header, rows=rows, line=_line(opening))


def build_outline(text: str) -> Section:
    """The document as a tree; the root (level 0) holds blocks before the first heading."""
    tokens = _BLOCK_MD.parse(text)
    builder = _Builder(tokens, text.split("\n"))
    root = Section(level=0, title="", line=1)
    stack = [root]
    while builder.pos < len(tokens):
        token = tokens[builder.pos]
        if token.type == "heading_open":
            builder.pos += 1
            inline = builder.next()
            builder.next()  # heading_close
            level = int(token.tag[1:])
            while stack[-1].level >= level:
                stack.pop()
            section = Section(
                level=level,
                title=parse_inline(inline.content).text.strip(),
                line=_line(token),
                parent=stack[-1],
            )
            stack[-1].children.append(section)
            stack.append(section)
            continue
        stack[-1].blocks.extend(builder.block())
    return root


def label_of(paragraph: Paragraph) -> str | None:
    """A paragraph that only introduces what follows: "**Quick Wins (Try First):**"."""
    text = paragraph.inline.text.strip()
    if "\n" in text or len(text) > 120 or not text.endswith(":"):
        return None
    return text.rstrip(":").strip() or None


def groups(section: Section, include_children: bool = True) -> list[Group]:
    """Split a section's blocks at labels; sub-headings start groups of their own."""
    result: list[Group] = [Group(label=None, line=section.line)]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            label = label_of(block)
            if label is not None:
                result.append(Group(label=label, line=block.line))
                continue
        result[-1].blocks.append(block)
    if include_children:
        for child in section.children:
            child_groups = groups(child)
            child_groups[0].label = child.title
            child_groups[0].line = child.line
            result.extend(child_groups)
    return [g for g in result if g.blocks or g.label is not None]
