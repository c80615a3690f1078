"""Extracted text → blocks: headings, paragraphs, lists and tables, each with its page and language.

Extractors keep paragraphs apart with a blank line and pages by offsets
(`page_starts`), but keep no markup, so structure is inferred: a short line
standing alone without closing punctuation is a heading (a Markdown `#`
says its level), lines that all start with a bullet or a number are a
list, lines between pipes are a table. Language is judged per block with
the ingest detector, and inside a block the runs of the other script get
their own language, so mixed Arabic/English reads in the right direction.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from repository.ingest.language import detect_language, detect_value_language

HEADING_CHARS = 90
HEADING_WORDS = 12
_CLOSING = tuple(".,;:!?،؛؟…")
_SENTENCE_END = tuple(".!?؟:…")
SHORT_LINE = 0.7  # of the longest line of its block: shorter, and ending a sentence, it ends a paragraph
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
_BULLET = re.compile(r"^[•◦▪‣●○■□\-*–]\s+")
_NUMBER = re.compile(r"^(?:\d{1,3}|[٠-٩]{1,3}|[a-zA-Z])[.)]\s+")
_TABLE_ROW = re.compile(r"^\|(.+)\|$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
# Runs of the script other than the block's: Latin words (with digits and light punctuation between
# them) inside Arabic, Arabic words inside English.
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*(?:[ .,/:()&+]+[A-Za-z0-9][A-Za-z0-9'’\-]*)*")
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff\u0750-\u077f]+(?:[ ]+[\u0600-\u06ff\u0750-\u077f]+)*")


@dataclass(frozen=True)
class Run:
    """A stretch of a block's text; `lang` is set only where it differs from the block's."""

    text: str
    lang: str | None = None

    @property
    def dir(self) -> str | None:
        return None if self.lang is None else direction(self.lang)


class BlockKind(enum.StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST = "list"
    TABLE = "table"


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    page: int  # 1-based; 0 when the text has no pages
    lang: str | None
    text: str = ""  # heading and paragraph
    level: int = 2  # heading: 2 to 6 (the page's h1 is the item's title)
    items: tuple[str, ...] = ()  # list
    ordered: bool = False
    rows: tuple[tuple[str, ...], ...] = ()  # table; the first row is the header

    @property
    def dir(self) -> str:
        return direction(self.lang)

    def runs(self, text: str | None = None) -> list[Run]:
        return runs_of(self.text if text is None else text, self.lang)


@dataclass(frozen=True)
class Document:
    """The blocks of one text, in reading order; `pages` lists the page numbers that start a page."""

    blocks: list[Block]
    lang: str | None
    pages: list[int] = field(default_factory=list)

    def starts_page(self, index: int) -> int | None:
        """The page number that begins at block `index`, if one does (for the page anchors)."""
        block = self.blocks[index]
        if block.page and (index == 0 or self.blocks[index - 1].page != block.page):
            return block.page
        return None

    @property
    def headings(self) -> list[tuple[int, Block]]:
        return [(i, b) for i, b in enumerate(self.blocks) if b.kind is BlockKind.HEADING]

    def by_language(self, known: Collection[str], fallback: str) -> list[tuple[str, list[Block]]]:
        """Consecutive blocks grouped by language, in reading order; a language not `known` reads as `fallback`
        (one voice or braille table per group)."""
        groups: list[tuple[str, list[Block]]] = []
        for block in self.blocks:
            lang = block.lang if block.lang is not None and block.lang in known else fallback
            if groups and groups[-1][0] == lang:
                groups[-1][1].append(block)
            else:
                groups.append((lang, [block]))
        return groups


def direction(lang: str | None) -> str:
    return "rtl" if lang == "ar" else "ltr"


def read_text(text: str, page_starts: list[int] | None = None, language: str | None = None) -> Document:
    """The document structure of extracted `text`; `language` (the file's) decides blocks too short to judge."""
    document_lang = language or detect_language(text)
    starts = sorted(set(page_starts or []))
    if starts and starts[0] != 0:
        starts.insert(0, 0)
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True)) if starts else [(0, len(text))]
    blocks: list[Block] = []
    for number, (start, end) in enumerate(bounds, start=1):
        page = number if starts else 0
        for chunk in re.split(r"\n\s*\n", text[start:end]):
            lines = [line.strip() for line in chunk.split("\n") if line.strip()]
            if lines:
                blocks.extend(_blocks_of(lines, page, document_lang))
    return Document(blocks, document_lang, list(range(1, len(bounds) + 1)) if starts else [])


def _blocks_of(lines: list[str], page: int, fallback: str | None) -> list[Block]:
    if len(lines) >= 2 and all(_TABLE_ROW.match(line) or _TABLE_RULE.match(line) for line in lines):
        rows = tuple(
            tuple(cell.strip() for cell in line.strip("|").split("|")) for line in lines if not _TABLE_RULE.match(line)
        )
        return [Block(BlockKind.TABLE, page, _lang(" ".join(" ".join(r) for r in rows), fallback), rows=rows)]
    if len(lines) >= 2 and all(_NUMBER.match(line) for line in lines):
        items = tuple(_NUMBER.sub("", line) for line in lines)
        return [Block(BlockKind.LIST, page, _lang(" ".join(items), fallback), items=items, ordered=True)]
    if len(lines) >= 2 and all(_BULLET.match(line) for line in lines):
        items = tuple(_BULLET.sub("", line) for line in lines)
        return [Block(BlockKind.LIST, page, _lang(" ".join(items), fallback), items=items)]
    blocks = []
    if _is_heading(lines[0]) and (len(lines) == 1 or _MARKDOWN_HEADING.match(lines[0])):
        blocks.append(_heading(lines[0], page, fallback))
        lines = lines[1:]
    for paragraph in _paragraphs(lines):
        if len(paragraph) > 1 and _NUMBERED_HEADING.match(paragraph[0]) and _is_heading(paragraph[0]):
            blocks.append(_heading(paragraph[0], page, fallback))  # "2.1 References", set above its text
            paragraph = paragraph[1:]
        text = _join(paragraph)
        blocks.append(Block(BlockKind.PARAGRAPH, page, _lang(text, fallback), text=text))
    return blocks


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """PDF text often has no blank line between paragraphs: a paragraph also ends at a sentence's end
    on a line clearly shorter than the full lines around it."""
    full = max((len(line) for line in lines), default=0)
    found: list[list[str]] = [[]]
    for n, line in enumerate(lines):
        found[-1].append(line)
        if n + 1 < len(lines) and line.endswith(_SENTENCE_END) and len(line) < full * SHORT_LINE:
            found.append([])
    return [p for p in found if p]


def _is_heading(line: str) -> bool:
    if _MARKDOWN_HEADING.match(line):
        return True
    if len(line) > HEADING_CHARS or len(line.split()) > HEADING_WORDS or line.endswith(_CLOSING):
        return False
    return not _BULLET.match(line) and any(ch.isalpha() for ch in line)


def _heading(line: str, page: int, fallback: str | None) -> Block:
    level = 2
    if match := _MARKDOWN_HEADING.match(line):
        level, line = min(6, len(match.group(1)) + 1), match.group(2)
    elif match := _NUMBERED_HEADING.match(line):
        level = min(6, 2 + match.group(1).count("."))
    return Block(BlockKind.HEADING, page, _lang(line, fallback), text=line, level=level)


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one line: the extractor's line breaks are the page's wrapping."""
    text = lines[0]
    for line in lines[1:]:
        text = text[:-1] + line if text.endswith("-") and text[-2:-1].isalpha() else f"{text} {line}"
    return text


def _lang(text: str, fallback: str | None) -> str | None:
    """The block's language; too short to judge, Latin letters count as English (the university's other
    language) and anything else takes the file's."""
    found = detect_language(text)
    if found is None:
        found = detect_value_language(text) or ("en" if _LATIN_RUN.search(text) else fallback)
    return found if found in ("ar", "en") else None


def runs_of(text: str, lang: str | None) -> list[Run]:
    """`text` split where the script changes: Latin inside Arabic is English, Arabic inside other text Arabic."""
    other, pattern = ("en", _LATIN_RUN) if lang == "ar" else ("ar", _ARABIC_RUN)
    found, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            found.append(Run(text[at : match.start()]))
        found.append(Run(match.group(), other))
        at = match.end()
    if at < len(text):
        found.append(Run(text[at:]))
    return found or [Run(text)]
