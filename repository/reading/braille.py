"""Blocks → braille: liblouis grade 1 for Arabic and Unified English Braille, as a Braille Ready File.

BRF is the ASCII braille that embossers and braille displays read: 40 cells a
line, 25 lines a page, a form feed between pages. Blocks are translated per
language (each with its table) and wrapped at word boundaries.
"""

from __future__ import annotations

import textwrap

from repository.reading import tools
from repository.reading.blocks import Block, BlockKind, Document

TABLES = {"ar": "ar-ar-g1.utb", "en": "en-ueb-g1.ctb"}
CELLS = 40
LINES = 25
MIME = "text/plain; charset=us-ascii"
PROGRAMS = ("lou_translate",)


def to_braille(document: Document, *, fallback: str, seconds: float) -> str:
    """The BRF text of the document; FormatUnavailable without lou_translate or when it fails."""
    tools.require(*PROGRAMS)
    lines: list[str] = []
    for lang, blocks in document.by_language(TABLES, fallback):
        source = "\n".join(_plain(b) for b in blocks)
        translated = tools.run(["lou_translate", "--forward", TABLES[lang]], stdin=source.encode(), seconds=seconds)
        for line in translated.decode("ascii", "replace").splitlines():
            lines.extend(textwrap.wrap(line, CELLS, break_on_hyphens=False) or [""])
            lines.append("")
    pages = ["\n".join(lines[i : i + LINES]) for i in range(0, len(lines), LINES)]
    return "\f".join(pages) + "\n"


def _plain(block: Block) -> str:
    """One line per block for lou_translate, which translates line by line."""
    if block.kind is BlockKind.LIST:
        return " ".join(f"{n}. {item}" if block.ordered else f"- {item}" for n, item in enumerate(block.items, 1))
    if block.kind is BlockKind.TABLE:
        return " ".join("; ".join(row) + "." for row in block.rows)
    return block.text
