"""Text formats: HTML, plain text (any encoding), Markdown, and WebVTT/SRT captions.

HTML is parsed with lxml's HTML parser, which neither loads DTDs nor expands
declared entities, so the same reader safely serves EPUB chapters and course
pages. Inline markup is dropped and every other element breaks the line, so
words from neighbouring blocks never run together.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import charset_normalizer
import lxml.html
import markdown
from lxml import etree

from repository.errors import TooLarge
from repository.ingest.language import clean_text
from repository.ingest.ports import Detection, Extraction

MAX_TEXT_BYTES = 256 * 1024**2  # a text file larger than this is not a document to index whole
INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
SKIPPED = frozenset(["script", "style", "noscript", "template", "head", "svg", "math", "object", "iframe"])
_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
_LINE_RUNS = re.compile(r"\n{2,}")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_limited(stream: BinaryIO, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The whole (seekable) stream; its size is checked first, since read(n) reserves n bytes up front."""
    size = stream.seek(0, 2)
    if size > limit:
        raise TooLarge(f"the text is larger than {limit} bytes")
    stream.seek(0)
    return stream.read()


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM, then a declared charset, UTF-8, then a guess."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace"), encoding
    for candidate in (declared, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate), codecs.lookup(candidate).name
            except (UnicodeDecodeError, LookupError):
                continue
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return data.decode("utf-8", "replace"), "utf-8"
    return str(best), best.encoding


# --- HTML ----------------------------------------------------------------------------------------


@dataclass
class Page:
    title: str = ""
    lang: str = ""
    text: str = ""
    meta: dict[str, list[str]] = field(default_factory=dict)  # <meta name> (lower case) -> contents
    encoding: str = ""  # what the bytes were decoded with


def parse_html(data: bytes | str) -> Page:
    """The title, language, <meta> values and block-separated text of an HTML or XHTML document."""
    encoding = ""
    if isinstance(data, bytes):
        declared = _META_CHARSET.search(data[:4096]) or _XML_ENCODING.search(data[:200])
        data, encoding = decode(data, declared.group(1).decode("ascii") if declared else None)
    data = _XML_DECLARATION.sub("", data, count=1)
    if not data.strip():
        return Page(encoding=encoding)
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return Page(encoding=encoding)
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    page = Page(lang=lang, encoding=encoding)
    title = root.find(".//title")
    page.title = clean_text(title.text_content()) if title is not None else ""
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            page.meta.setdefault(name, []).append(content)
    body = root.find("body")
    parts: list[str] = []
    _walk(body if body is not None else root, parts)
    page.text = _LINE_RUNS.sub("\n", clean_text("".join(parts)))  # one line per block
    return page


def _walk(element: Any, parts: list[str]) -> None:
    tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
    if tag in SKIPPED or not tag:
        parts.append(element.tail or "")
        return
    block = tag not in INLINE
    parts.append("\n" if block else "")
    parts.append(element.text or "")
    for child in element:
        _walk(child, parts)
    parts.append("\n" if block else "")
    parts.append(element.tail or "")


def html_metadata(page: Page) -> dict[str, Any]:
    """Item metadata from a page's title and its Highwire/Dublin Core <meta> tags (as Google Scholar reads them)."""
    first = {name: values[0] for name, values in page.meta.items()}
    md: dict[str, Any] = {}
    title = first.get("citation_title") or first.get("dc.title") or page.title
    if title:
        md["titles"] = [{"value": title}]
    authors = page.meta.get("citation_author") or page.meta.get("dc.creator") or page.meta.get("author") or []
    if authors:
        md["creators"] = [{"name": a} for a in authors]
    if description := first.get("description") or first.get("dc.description"):
        md["abstracts"] = [{"value": description}]
    if keywords := first.get("keywords") or first.get("citation_keywords"):
        md["subjects"] = [{"value": k.strip()} for k in re.split(r"[,;]", keywords) if k.strip()]
    if doi := first.get("citation_doi"):
        md["identifiers"] = [{"scheme": "doi", "value": doi}]
    if issued := first.get("citation_publication_date") or first.get("citation_date") or first.get("dc.date"):
        md["date_issued"] = issued.replace("/", "-")
    if journal := first.get("citation_journal_title"):
        md["journal"] = {"title": journal}
    if publisher := first.get("citation_publisher") or first.get("dc.publisher"):
        md["publisher"] = publisher
    return md


class HtmlExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        page = parse_html(read_limited(stream))
        md = html_metadata(page)
        return Extraction(
            mime=detection.mime, kind=detection.kind, metadata=md, text=page.text,
            details={"encoding": page.encoding, **({"html_lang": page.lang} if page.lang else {})},
        )  # fmt: skip


# --- plain text and Markdown ---------------------------------------------------------------------


def first_line(text: str, limit: int = 300) -> str:
    for line in text.split("\n"):
        line = line.strip(" #=*-_\t")
        if line:
            return line[:limit]
    return ""


class PlainTextExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        text, encoding = decode(read_limited(stream))
        text = clean_text(text)
        title = first_line(text)
        return Extraction(
            mime=detection.mime, kind=detection.kind, text=text,
            metadata={"titles": [{"value": title}]} if title else {}, details={"encoding": encoding},
        )  # fmt: skip


class MarkdownExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        source, encoding = decode(read_limited(stream))
        page = parse_html(f"<html><body>{markdown.markdown(source)}</body></html>")
        heading = re.search(r"^\s{0,3}#{1,2}\s+(.+?)\s*#*\s*$", source, re.MULTILINE)
        title = clean_text(heading.group(1)) if heading else first_line(page.text)
        return Extraction(
            mime=detection.mime, kind=detection.kind, text=page.text,
            metadata={"titles": [{"value": title}]} if title else {}, details={"encoding": encoding},
        )  # fmt: skip


# --- captions ------------------------------------------------------------------------------------

_TIMING = re.compile(r"\d{1,2}:\d{2}[:.,]\d{2,3}.*-->")
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Captions:
    format: str  # webvtt or srt
    cues: list[str]


def parse_captions(source: str) -> Captions:
    """Cue texts of a WebVTT or SRT file, tags and timings dropped, rolling repeats collapsed."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    fmt = "webvtt" if lines and lines[0].startswith("WEBVTT") else "srt"
    cues: list[list[str]] = []
    skipping = fmt == "webvtt"  # the header block, and NOTE/STYLE/REGION blocks, run to a blank line
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            skipping = False
            continue
        if skipping:
            continue
        if _TIMING.match(stripped):
            cues.append([])
            continue
        block_start = n == 0 or not lines[n - 1].strip()
        if block_start and n + 1 < len(lines) and _TIMING.match(lines[n + 1].strip()):
            continue  # a cue identifier (SRT's number, WebVTT's optional id)
        if block_start and stripped.split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            skipping = True
            continue
        if cues:
            cues[-1].append(html.unescape(_TAG.sub("", stripped)).strip())
    texts = [" ".join(t for t in cue if t) for cue in cues]
    return Captions(fmt, texts)


def captions_text(cues: list[str]) -> str:
    lines: list[str] = []
    for cue in cues:
        for line in cue.split("\n"):
            if line and (not lines or lines[-1] != line):
                lines.append(line)
    return clean_text("\n".join(lines))


class CaptionsExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        source, encoding = decode(read_limited(stream))
        captions = parse_captions(source)
        text = captions_text(captions.cues)
        return Extraction(
            mime=detection.mime, kind=detection.kind, text=text,
            details={"format": captions.format, "cue_count": len(captions.cues), "encoding": encoding},
        )  # fmt: skip
