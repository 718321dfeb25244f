"""Turn raw runbook bytes into Markdown text the tokenizer can read, keeping line numbers.

Repairs what real runbooks contain: invalid UTF-8, mojibake (UTF-8 read as cp1252,
e.g. "ðŸš¨" for 🚨), and fences written as \\`\\`\\` (escaped backticks are literal
text in Markdown, so without the repair a code block's `# comment` lines become
headings). Every repair is reported, and no repair adds or removes a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ftfy

from warroom.runbooks.findings import FindingLog

# Runbooks are a few KB; anything this large is not one, and parsing it would tie up a worker.
MAX_RUNBOOK_BYTES = 2 * 1024 * 1024

_ESCAPED_FENCE = re.compile(r"^(?P<indent>[ \t]*)\\`\\`\\`(?P<info>[^`]*)$")


@dataclass(frozen=True)
class PreparedSource:
    text: str
    parseable: bool


def _decode(raw: bytes, log: FindingLog) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        text = raw.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        looks_binary = b"\x00" in raw[:8192] or bad > max(16, len(text) // 100)
        if looks_binary:
            log.error(line, "binary-data", f"not a text file: {bad} byte(s) are not UTF-8")
        else:
            log.warning(line, "invalid-utf8", f"{bad} byte(s) are not valid UTF-8; replaced")
        return text


def _repair_lines(lines: list[str], log: FindingLog) -> list[str]:
    fences: list[int] = []
    mojibake: list[int] = []
    out: list[str] = []
    for number, original in enumerate(lines, start=1):
        line = original
        if not line.isascii():
            fixed = ftfy.fix_encoding(line)
            if fixed != line:
                mojibake.append(number)
                line = fixed
        if "\\`" in line:
            match = _ESCAPED_FENCE.match(line.rstrip())
            if match:
                fences.append(number)
                line = f"{match.group('indent')}```{match.group('info').strip()}"
        out.append(line)
    if fences:
        log.info(
            fences[0],
            "escaped-fences-repaired",
            f"{len(fences)} escaped fence line(s) (\\`\\`\\`) read as code fences",
        )
    for number in mojibake:
        log.info(number, "mojibake-repaired", "repaired mis-decoded characters (mojibake)")
    return out


def prepare_source(raw: str | bytes, log: FindingLog) -> PreparedSource:
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_RUNBOOK_BYTES:
        log.error(
            1,
            "too-large",
            f"file is {size / 1_048_576:.1f} MB; runbooks over "
            f"{MAX_RUNBOOK_BYTES // 1_048_576} MB are not parsed",
        )
        return PreparedSource(text="", parseable=False)
    text = _decode(raw, log) if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    if not text.strip():
        log.error(1, "empty", "the runbook is empty")
        return PreparedSource(text="", parseable=False)
    # splitlines() also splits on \x0b, \x1c, U+2028...; Markdown only knows \n, \r\n, \r.
    lines = re.split(r"\r\n|\r|\n", text)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        lines = re.split(r"\r\n|\r|\n", text)
    return PreparedSource(text="\n".join(_repair_lines(lines, log)), parseable=True)
