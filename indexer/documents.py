"""An item and its extracted texts, turned into the one document shape both backends index (pure).

Searchable fields are split by weight (titles over people and subjects over
abstracts over the rest of the metadata over full text); facet values are
kept verbatim; the full text is cut into parts, one per PDF page when the
text file knows its page offsets, so a snippet can name its page. An item
under embargo is indexed by its metadata only, with the embargo date, so the
closed text can never surface and the sync knows when to add it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from indexer.analysis import normalize
from repository.domain import FileRef, FileRole, Item, Metadata

MAX_TEXT_CHARS = 5_000_000  # per item, past which the full text is cut (a very long book)
OER_TYPES = ("course", "lesson")

_CC = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.IGNORECASE)
_CUE_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}\s*-->")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class TextPart:
    """A run of full text: one PDF page, one whole text file, or a caption track."""

    text: str
    source: str  # "fulltext" or "caption"
    file_id: int | None  # the original file this text was extracted from
    page: int | None  # 1-based PDF page, when known


@dataclass(frozen=True)
class IndexDocument:
    id: str
    version: int
    title: str  # shown in results
    titles: tuple[str, ...]  # every title, every language
    abstract: str
    authors: tuple[str, ...]  # creators: shown, faceted, searched
    contributors: tuple[str, ...]  # searched as authors, not faceted
    subjects: tuple[str, ...]
    other: str  # the rest of the searchable metadata
    parts: tuple[TextPart, ...]
    community: str
    collection: str
    type: str
    language: str
    year: int | None
    date: int  # yyyymmdd for sorting: date issued, else deposit date
    title_sort: str
    license: str | None
    oer: bool
    embargo: int  # yyyymmdd while the full text is withheld, else 0

    @property
    def fulltext(self) -> bool:
        return bool(self.parts)


def to_document(item: Item, community: str, texts: Mapping[int, str], today: date) -> IndexDocument:
    """The index document for a public item; `texts` holds the decoded text of its text and caption files."""
    md = item.metadata
    titles = tuple(t["value"] for t in md.get("titles", []))
    embargoed = item.is_embargoed(today)
    parts = () if embargoed else _parts(item, texts)
    issued = md.get("date_issued")
    return IndexDocument(
        id=item.id,
        version=item.version,
        title=item.title,
        titles=titles,
        abstract="\n\n".join(a["value"] for a in md.get("abstracts", [])),
        authors=tuple(c["name"] for c in md.get("creators", [])),
        contributors=tuple(c["name"] for c in md.get("contributors", [])),
        subjects=tuple(dict.fromkeys(s["value"].strip() for s in md.get("subjects", []))),
        other=_other_text(md),
        parts=parts,
        community=community,
        collection=item.collection_id,
        type=item.type,
        language=_language(md),
        year=int(issued[:4]) if issued else None,
        date=_yyyymmdd(issued) if issued else _yyyymmdd(item.created.date().isoformat()),
        title_sort=" ".join(normalize(item.title).split()),
        license=license_key(md.get("license")),
        oer=item.type in OER_TYPES or bool(md.get("oer")),
        embargo=day_number(item.embargo_until) if embargoed and item.embargo_until else 0,
    )


def text_files(item: Item) -> list[FileRef]:
    """The files whose text is indexed: extracted full text and captions."""
    return [f for f in item.files if f.role in (FileRole.TEXT, FileRole.CAPTION)]


def license_key(license: Mapping[str, str] | None) -> str | None:
    """The licence's URI as a facet value, Creative Commons URIs in one canonical spelling."""
    if not license:
        return None
    if m := _CC.search(license["uri"]):
        return f"https://creativecommons.org/{m.group(1).lower()}/{m.group(2).lower()}/{m.group(3)}/"
    return license["uri"].strip()


def caption_text(raw: str) -> str:
    """The spoken words of a WebVTT or SRT file: the lines after each cue's timing, tags removed.

    Blocks without a timing (the WEBVTT header, NOTE, STYLE, REGION) are dropped; a file with no
    timings at all is taken as plain text.
    """
    blocks = [b.split("\n") for b in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").strip())]
    cues = [b for b in blocks if any(_CUE_TIME.match(line.strip()) for line in b)]
    if not cues:
        return _TAG.sub("", raw).strip()
    lines: list[str] = []
    for block in cues:
        timing = next(i for i, line in enumerate(block) if _CUE_TIME.match(line.strip()))
        lines += [_TAG.sub("", line).strip() for line in block[timing + 1 :] if line.strip()]
    return "\n".join(lines)


def page_parts(text: str, page_starts: object, file_id: int | None) -> list[TextPart]:
    """Cut a text at its page offsets; offsets that are not increasing integers leave it whole."""
    ok = (
        isinstance(page_starts, list)
        and page_starts
        and all(isinstance(s, int) and not isinstance(s, bool) for s in page_starts)
        and all(a < b for a, b in zip(page_starts, page_starts[1:], strict=False))
        and page_starts[0] >= 0
        and page_starts[-1] <= len(text)
    )
    if not ok:
        return [TextPart(text, "fulltext", file_id, None)] if text.strip() else []
    assert isinstance(page_starts, list)
    starts = [0, *page_starts[1:]]
    ends = [*page_starts[1:], len(text)]
    return [
        TextPart(text[s:e], "fulltext", file_id, page)
        for page, (s, e) in enumerate(zip(starts, ends, strict=True), start=1)
        if text[s:e].strip()
    ]


def _parts(item: Item, texts: Mapping[int, str]) -> tuple[TextPart, ...]:
    parts: list[TextPart] = []
    budget = MAX_TEXT_CHARS
    for f in text_files(item):
        text = texts.get(f.id)
        if not text or budget <= 0:
            continue
        text = text[:budget]
        budget -= len(text)
        origin = f.source_file_id or f.id
        if f.role is FileRole.CAPTION:
            spoken = caption_text(text)
            parts += [TextPart(spoken, "caption", origin, None)] if spoken.strip() else []
        else:
            parts += page_parts(text, f.details.get("page_starts"), origin)
    return tuple(parts)


def _other_text(md: Metadata) -> str:
    values: list[str] = []
    for key in ("publisher", "rights"):
        if isinstance(md.get(key), str):
            values.append(str(md[key]))
    for key in ("journal", "license"):
        sub = md.get(key)
        if isinstance(sub, dict):
            values += [str(v) for k, v in sub.items() if k in ("title", "label")]
    values += [str(i["value"]) for i in md.get("identifiers", [])]
    values += [str(r["label"]) for r in md.get("relations", []) if r.get("label")]
    oer = md.get("oer")
    if isinstance(oer, dict):
        for value in oer.values():
            values += value if isinstance(value, list) else [str(value)]
    return "\n".join(values)


def _language(md: Metadata) -> str:
    if isinstance(md.get("language"), str):
        return str(md["language"])
    titles = md.get("titles")
    if isinstance(titles, list) and titles and titles[0].get("lang"):
        return str(titles[0]["lang"])
    return "und"


def day_number(day: date) -> int:
    """A date as the integer yyyymmdd the indexes store and compare."""
    return day.year * 10000 + day.month * 100 + day.day


def _yyyymmdd(iso: str) -> int:
    """'2019', '2019-05' or '2019-05-17' as 20190000, 20190500, 20190517: sortable, partial dates first."""
    digits = iso.replace("-", "")
    return int(digits.ljust(8, "0"))
