"""Item → citation formats: BibTeX, RIS, APA, and Highwire Press tags for Google Scholar.

Pure functions from an item and its URLs to text; no I/O. Creator names are
taken as given ("Family, Given" when the cataloguer wrote them so; Arabic
names are usually kept whole).
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from repository.domain import Item

BIBTEX_TYPES = {
    "article": "article",
    "book": "book",
    "book_chapter": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
}
RIS_TYPES = {
    "article": "JOUR",
    "journal": "JFULL",
    "journal_issue": "JFULL",
    "book": "BOOK",
    "book_chapter": "CHAP",
    "thesis": "THES",
    "report": "RPRT",
    "video": "VIDEO",
    "audio": "SOUND",
    "image": "FIGURE",
    "dataset": "DATA",
    "course": "ELEC",
    "lesson": "ELEC",
    "lecture_slides": "SLIDE",
}
# Titles set in italics in APA: works that stand alone rather than inside a container.
APA_ITALIC_TITLE = {
    "book",
    "thesis",
    "report",
    "video",
    "audio",
    "dataset",
    "course",
    "lecture_slides",
    "image",
    "other",
}


def _identifier(item: Item, scheme: str) -> str | None:
    return next((i["value"] for i in item.metadata.get("identifiers", []) if i["scheme"] == scheme), None)


def doi(item: Item) -> str | None:
    value = _identifier(item, "doi")
    if value is None:
        return None
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.I)


def _creators(item: Item) -> list[str]:
    return [c["name"] for c in item.metadata.get("creators", [])]


def _year(item: Item) -> str | None:
    issued = item.metadata.get("date_issued")
    return issued[:4] if issued else None


def _pages(item: Item) -> tuple[str | None, str | None]:
    pages = (item.metadata.get("journal") or {}).get("pages")
    if not pages:
        return None, None
    parts = re.split(r"\s*[-–]\s*", pages.strip(), maxsplit=1)
    return parts[0] or None, (parts[1] or None) if len(parts) > 1 else None


# --- BibTeX --------------------------------------------------------------------------------


def _bib_escape(value: str) -> str:
    return re.sub(r"([\\{}%&#_$])", r"\\\1", value)


def to_bibtex(item: Item, url: str) -> str:
    meta = item.metadata
    kind = BIBTEX_TYPES.get(item.type, "misc")
    creators = _creators(item)
    words = re.findall(r"\w+", creators[0].split(",")[0]) if creators else []
    family = words[-1] if words else ""
    key = re.sub(r"[^A-Za-z0-9]", "", f"{family}{_year(item) or ''}") or "item"
    fields: list[tuple[str, str | None]] = [
        ("title", item.title),
        ("author", " and ".join(_creators(item)) or None),
        ("year", _year(item)),
        (
            "journal" if kind == "article" else "booktitle" if kind == "incollection" else "",
            (meta.get("journal") or {}).get("title"),
        ),
        ("volume", (meta.get("journal") or {}).get("volume")),
        ("number", (meta.get("journal") or {}).get("issue")),
        ("pages", (meta.get("journal") or {}).get("pages")),
        (
            "school" if kind == "phdthesis" else "institution" if kind == "techreport" else "publisher",
            meta.get("publisher"),
        ),
        ("isbn", _identifier(item, "isbn")),
        ("issn", _identifier(item, "issn")),
        ("doi", doi(item)),
        ("language", meta.get("language")),
        ("url", url),
    ]
    body = ",\n".join(f"  {name} = {{{_bib_escape(value)}}}" for name, value in fields if name and value)
    return f"@{kind}{{{key}_{item.id},\n{body}\n}}\n"


# --- RIS -----------------------------------------------------------------------------------


def to_ris(item: Item, url: str, pdf_url: str | None = None) -> str:
    meta = item.metadata
    journal = meta.get("journal") or {}
    first, last = _pages(item)
    lines: list[tuple[str, str | None]] = [("TY", RIS_TYPES.get(item.type, "GEN")), ("TI", item.title)]
    lines += [("AU", name) for name in _creators(item)]
    lines += [
        ("PY", _year(item)),
        ("DA", (meta.get("date_issued") or "").replace("-", "/") or None),
        ("T2", journal.get("title")),
        ("VL", journal.get("volume")),
        ("IS", journal.get("issue")),
        ("SP", first),
        ("EP", last),
        ("PB", meta.get("publisher")),
        ("SN", _identifier(item, "isbn") or _identifier(item, "issn")),
        ("DO", doi(item)),
        ("LA", meta.get("language")),
    ]
    lines += [("AB", a["value"]) for a in meta.get("abstracts", [])[:1]]
    lines += [("KW", s["value"]) for s in meta.get("subjects", [])]
    lines += [("UR", url), ("L1", pdf_url), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value is not None)


# --- APA 7 ---------------------------------------------------------------------------------


def _apa_name(name: str) -> str:
    if "," not in name:
        return name
    family, given = (p.strip() for p in name.split(",", 1))
    initials = " ".join(f"{part[0]}." for part in re.split(r"[\s-]+", given) if part)
    return f"{family}, {initials}" if initials else family


def _apa_authors(names: list[str]) -> str:
    shown = [_apa_name(n) for n in names]
    if len(shown) > 20:
        shown = [*shown[:19], "…", shown[-1]]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + ", & " + shown[-1]


def apa(item: Item, url: str) -> Markup:
    meta = item.metadata
    journal = meta.get("journal") or {}
    authors = _apa_authors(_creators(item))
    year = _year(item) or "n.d."
    title = escape(item.title.rstrip("."))
    parts: list[Markup] = []
    if authors:
        parts.append(escape(authors if authors.endswith(".") else authors + "."))
    parts.append(Markup("({}).").format(year))
    if item.type in APA_ITALIC_TITLE or not journal.get("title"):
        parts.append(Markup("<i>{}</i>.").format(title))
    else:
        parts.append(Markup("{}.").format(title))
    if journal.get("title"):
        source = Markup("<i>{}</i>").format(journal["title"])
        if journal.get("volume"):
            source += Markup(", <i>{}</i>").format(journal["volume"])
        if journal.get("issue"):
            source += Markup("({})").format(journal["issue"])
        if journal.get("pages"):
            source += Markup(", {}").format(journal["pages"])
        parts.append(source + Markup("."))
    elif meta.get("publisher"):
        parts.append(escape(meta["publisher"].rstrip(".") + "."))
    link = f"https://doi.org/{doi(item)}" if doi(item) else url
    parts.append(escape(link))
    return Markup(" ").join(parts)


# --- Highwire Press tags (Google Scholar inclusion guidelines) ---------------------------------


def highwire(item: Item, url: str, pdf_url: str | None) -> list[tuple[str, str]]:
    meta: dict[str, Any] = item.metadata
    journal = meta.get("journal") or {}
    first, last = _pages(item)
    issued = meta.get("date_issued")
    tags: list[tuple[str, str | None]] = [("citation_title", item.title)]
    tags += [("citation_author", name) for name in _creators(item)]
    tags += [
        ("citation_publication_date", issued.replace("-", "/") if issued else None),
        ("citation_online_date", item.created.strftime("%Y/%m/%d")),
        ("citation_journal_title", journal.get("title")),
        ("citation_volume", journal.get("volume")),
        ("citation_issue", journal.get("issue")),
        ("citation_firstpage", first),
        ("citation_lastpage", last),
        ("citation_publisher", meta.get("publisher")),
        ("citation_doi", doi(item)),
        ("citation_issn", _identifier(item, "issn")),
        ("citation_isbn", _identifier(item, "isbn")),
        ("citation_language", meta.get("language")),
        ("citation_dissertation_institution", meta.get("publisher") if item.type == "thesis" else None),
        ("citation_technical_report_institution", meta.get("publisher") if item.type == "report" else None),
        ("citation_abstract_html_url", url),
        ("citation_pdf_url", pdf_url),
    ]
    if meta.get("subjects"):
        tags.append(("citation_keywords", "; ".join(s["value"] for s in meta["subjects"])))
    return [(name, value) for name, value in tags if value]
