"""Office documents: DOCX, PPTX, XLSX (Office Open XML) and ODT, ODP (OpenDocument).

Core properties become suggested metadata; the text is read from the XML
parts directly (slides in presentation order), which is faster and safer
than any converter: every part goes through the entity-refusing parser.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from repository.errors import UnsupportedFormat
from repository.ingest.epub import language_code
from repository.ingest.language import clean_text
from repository.ingest.ports import Detection, Extraction
from repository.ingest.safexml import child, descendants, local, parse_xml, text_of
from repository.ingest.safezip import SafeZip

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
ODF_SKIPPED = frozenset({"notes", "annotation", "tracked-changes", "note-citation"})
TYPES = {"pptx": "lecture_slides", "odp": "lecture_slides"}


class OfficeExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        archive = SafeZip(stream, stream.seek(0, 2))
        try:
            result = Extraction(mime=detection.mime, kind=detection.kind)
            if detection.kind in ("odt", "odp"):
                self._odf(archive, result)
            else:
                self._ooxml(archive, result)
        finally:
            archive.close()
        if kind_type := TYPES.get(detection.kind):
            result.metadata["type"] = kind_type
        return result

    # --- Office Open XML --------------------------------------------------------------------

    def _ooxml(self, archive: SafeZip, result: Extraction) -> None:
        if archive.find("docProps/core.xml"):
            result.metadata = _core_properties(parse_xml(archive.read("docProps/core.xml"), "docProps/core.xml"))
        if result.kind == "docx":
            result.text = _ooxml_text(parse_xml(archive.read("word/document.xml"), "word/document.xml"))
        elif result.kind == "pptx":
            slides = _slide_paths(archive)
            result.page_count = len(slides)
            texts = [_ooxml_text(parse_xml(archive.read(path), path)) for path in slides]
            result.text = clean_text("\n\n".join(texts))
        elif archive.find("xl/sharedStrings.xml"):  # xlsx: the workbook's strings are its searchable text
            table = parse_xml(archive.read("xl/sharedStrings.xml"), "xl/sharedStrings.xml")
            result.text = clean_text("\n".join(text_of(si) for si in descendants(table, "si")))

    # --- OpenDocument -----------------------------------------------------------------------

    def _odf(self, archive: SafeZip, result: Extraction) -> None:
        if archive.find("meta.xml"):
            result.metadata, generator = _odf_meta(parse_xml(archive.read("meta.xml"), "meta.xml"))
            if generator:
                result.details["generator"] = generator
        content = parse_xml(archive.read("content.xml"), "content.xml")
        body = child(content, "body")
        if body is None:
            raise UnsupportedFormat("the OpenDocument file has no body in content.xml")
        if result.kind == "odp":
            pages = list(descendants(body, "page"))
            result.page_count = len(pages)
            result.text = clean_text("\n\n".join(_odf_text(page) for page in pages))
        else:
            result.text = _odf_text(body)


def _core_properties(core: Element) -> dict[str, Any]:
    md: dict[str, Any] = {}
    values = {local(e.tag): text_of(e) for e in core}
    if values.get("title"):
        md["titles"] = [{"value": values["title"]}]
    if values.get("creator"):
        md["creators"] = [{"name": n.strip()} for n in values["creator"].split(";") if n.strip()]
    if values.get("description"):
        md["abstracts"] = [{"value": values["description"]}]
    subjects = [values.get("subject", "")] + re.split(r"[,;]", values.get("keywords", ""))
    if subjects := [s.strip() for s in subjects if s.strip()]:
        md["subjects"] = [{"value": s} for s in subjects]
    if (code := language_code(values.get("language", ""))) is not None:
        md["language"] = code
    if DATE.match(values.get("created", "")):
        md["date_issued"] = values["created"][:10]
    return md


def _slide_paths(archive: SafeZip) -> list[str]:
    """Slide parts in presentation order: sldIdLst's relationship ids, resolved through the .rels part."""
    presentation = parse_xml(archive.read("ppt/presentation.xml"), "ppt/presentation.xml")
    rels = parse_xml(archive.read("ppt/_rels/presentation.xml.rels"), "ppt/_rels/presentation.xml.rels")
    targets = {r.get("Id"): r.get("Target", "") for r in descendants(rels, "Relationship")}
    paths = []
    for slide in descendants(presentation, "sldId"):
        rid = next((v for k, v in slide.attrib.items() if local(k) == "id" and k.startswith("{")), None)
        target = targets.get(rid)
        if target:  # relative to ppt/, where presentation.xml sits, unless absolute within the package
            path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("ppt", target))
            if archive.find(path):
                paths.append(path)
    return paths


def _ooxml_text(root: Element) -> str:
    """Runs' text (w:t, a:t) joined, tabs and breaks kept, one line per paragraph."""
    parts: list[str] = []

    def walk(element: Element) -> None:
        name = local(element.tag)
        if name == "t":
            parts.append(element.text or "")
        elif name == "tab":
            parts.append("\t")
        elif name in ("br", "cr"):
            parts.append("\n")
        for sub in element:
            walk(sub)
        if name == "p":
            parts.append("\n")

    walk(root)
    return clean_text("".join(parts))


def _odf_meta(meta: Element) -> tuple[dict[str, Any], str]:
    office_meta = child(meta, "meta")
    if office_meta is None:
        return {}, ""
    values: dict[str, list[str]] = {}
    for element in office_meta:
        values.setdefault(local(element.tag), []).append(text_of(element))
    md: dict[str, Any] = {}
    if title := next(iter(values.get("title", [])), ""):
        md["titles"] = [{"value": title}]
    if creator := next(iter(values.get("initial-creator", []) or values.get("creator", [])), ""):
        md["creators"] = [{"name": creator}]
    if description := next(iter(values.get("description", [])), ""):
        md["abstracts"] = [{"value": description}]
    subjects = values.get("subject", []) + values.get("keyword", [])
    if subjects := [s for s in subjects if s]:
        md["subjects"] = [{"value": s} for s in subjects]
    if (code := language_code(next(iter(values.get("language", [])), ""))) is not None:
        md["language"] = code
    created = next(iter(values.get("creation-date", [])), "")
    if DATE.match(created):
        md["date_issued"] = created[:10]
    return md, next(iter(values.get("generator", [])), "")


def _odf_text(root: Element) -> str:
    """ODF mixed content: spans and links inline, text:s/tab/line-break as spaces and breaks."""
    parts: list[str] = []

    def walk(element: Element) -> None:
        name = local(element.tag)
        if name in ODF_SKIPPED:
            parts.append(element.tail or "")
            return
        if name == "s":
            count = next((v for k, v in element.attrib.items() if local(k) == "c"), "1")
            parts.append(" " * min(int(count), 100) if count.isdigit() else " ")
        elif name == "tab":
            parts.append("\t")
        elif name == "line-break":
            parts.append("\n")
        parts.append(element.text or "")
        for sub in element:
            walk(sub)
        if name in ("p", "h"):
            parts.append("\n")
        parts.append(element.tail or "")

    walk(root)
    return clean_text("".join(parts))
