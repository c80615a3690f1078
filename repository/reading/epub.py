"""Blocks → an EPUB 3 book: one XHTML document, a navigation document with the headings and a page list.

Written by hand with `zipfile` rather than a library: the package is small
and fixed (OCF 3.0 §4.3: `mimetype` first and stored, then the rest), and
every element carries the block's `xml:lang` and `dir` so reading systems
voice and lay out mixed Arabic and English text correctly.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from repository.reading.accessibility import SUMMARIES
from repository.reading.blocks import Block, BlockKind, Document, direction

MIME = "application/epub+zip"
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""
XHTML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
xml:lang="{lang}" lang="{lang}" dir="{dir}">
<head><meta charset="utf-8"/><title>{title}</title></head>
"""


@dataclass(frozen=True)
class BookInfo:
    identifier: str  # a URN or the item's URL: dc:identifier
    title: str
    lang: str  # the title's language
    modified: datetime
    authors: tuple[str, ...] = ()


def to_epub(document: Document, info: BookInfo) -> bytes:
    """The EPUB 3 bytes of `document`; `info` says what the package metadata states."""
    buffer = io.BytesIO()
    stamp = info.modified.timetuple()[:6]  # the same text and record give the same bytes
    entries = [
        ("mimetype", MIME, zipfile.ZIP_STORED),
        ("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED),
        ("EPUB/package.opf", _package(document, info), zipfile.ZIP_DEFLATED),
        ("EPUB/nav.xhtml", _nav(document, info), zipfile.ZIP_DEFLATED),
        ("EPUB/text.xhtml", _text(document, info), zipfile.ZIP_DEFLATED),
    ]
    with zipfile.ZipFile(buffer, "w") as book:
        for name, body, method in entries:
            book.writestr(zipfile.ZipInfo(name, stamp), body, compress_type=method)
    return buffer.getvalue()


def _package(document: Document, info: BookInfo) -> str:
    lang = document.lang if document.lang in ("ar", "en") else info.lang
    creators = "".join(f"<dc:creator>{escape(a)}</dc:creator>" for a in info.authors)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if document.pages:
        features.append("pageNavigation")
    a11y = "".join(f'<meta property="schema:accessibilityFeature">{f}</meta>' for f in features)
    summary = f'<meta property="schema:accessibilitySummary">{escape(SUMMARIES["text"])}.</meta>'
    direction_ = direction(lang)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="{lang}" dir="{direction_}"
 prefix="schema: http://schema.org/">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="uid">{escape(info.identifier)}</dc:identifier>
<dc:title>{escape(info.title)}</dc:title>
<dc:language>{lang}</dc:language>{creators}
<meta property="dcterms:modified">{info.modified.strftime("%Y-%m-%dT%H:%M:%SZ")}</meta>
<meta property="schema:accessMode">textual</meta>
<meta property="schema:accessModeSufficient">textual</meta>
{a11y}<meta property="schema:accessibilityHazard">none</meta>{summary}
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="text" href="text.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine page-progression-direction="{direction_}"><itemref idref="text"/></spine>
</package>
"""


def _nav(document: Document, info: BookInfo) -> str:
    entries = [(f"text.xhtml#b{i}", b.text, b.lang) for i, b in document.headings] or [
        ("text.xhtml", info.title, info.lang)
    ]
    toc = "".join(
        f"<li><a href={quoteattr(href)}{_lang_attrs(lang)}>{escape(text)}</a></li>" for href, text, lang in entries
    )
    pages = "".join(f'<li><a href="text.xhtml#page-{n}">{n}</a></li>' for n in document.pages)
    page_list = f'<nav epub:type="page-list" hidden="hidden"><ol>{pages}</ol></nav>' if pages else ""
    head = XHTML_HEAD.format(lang=info.lang, dir=direction(info.lang), title=escape(info.title))
    toc_nav = f'<nav epub:type="toc" id="toc"><h1>{escape(info.title)}</h1><ol>{toc}</ol></nav>'
    return f"{head}<body>{toc_nav}{page_list}</body></html>\n"


def _text(document: Document, info: BookInfo) -> str:
    parts = [f"<h1{_lang_attrs(info.lang)}>{escape(info.title)}</h1>"]
    for i, block in enumerate(document.blocks):
        if page := document.starts_page(i):
            parts.append(f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{page}" aria-label="{page}"/>')
        parts.append(_block(i, block))
    head = XHTML_HEAD.format(lang=info.lang, dir=direction(info.lang), title=escape(info.title))
    return head + "<body><section>" + "\n".join(parts) + "</section></body></html>\n"


def _block(i: int, block: Block) -> str:
    attrs = f' id="b{i}"{_lang_attrs(block.lang)}'
    if block.kind is BlockKind.HEADING:
        return f"<h{block.level}{attrs}>{_inline(block, block.text)}</h{block.level}>"
    if block.kind is BlockKind.LIST:
        tag = "ol" if block.ordered else "ul"
        return f"<{tag}{attrs}>" + "".join(f"<li>{_inline(block, x)}</li>" for x in block.items) + f"</{tag}>"
    if block.kind is BlockKind.TABLE:
        head, *body = block.rows
        cells = "".join(f'<th scope="col">{_inline(block, c)}</th>' for c in head)
        rows = "".join("<tr>" + "".join(f"<td>{_inline(block, c)}</td>" for c in row) + "</tr>" for row in body)
        return f"<table{attrs}><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table>"
    return f"<p{attrs}>{_inline(block, block.text)}</p>"


def _inline(block: Block, text: str) -> str:
    return "".join(
        f"<span{_lang_attrs(run.lang)}>{escape(run.text)}</span>" if run.lang else escape(run.text)
        for run in block.runs(text)
    )


def _lang_attrs(lang: str | None) -> str:
    return f' xml:lang="{lang}" lang="{lang}" dir="{direction(lang)}"' if lang else ""
