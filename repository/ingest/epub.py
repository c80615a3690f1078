"""EPUB 2 and 3: Dublin Core metadata from the OPF package, the spine's text in reading order, the cover."""

from __future__ import annotations

import posixpath
import re
from typing import Any, BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from repository.errors import UnsupportedFormat
from repository.ingest.images import preview_from_bytes
from repository.ingest.language import clean_text, detect_language, lang_for
from repository.ingest.ports import Detection, Extraction, Preview
from repository.ingest.safexml import child, children, descendants, local, parse_xml, text_of
from repository.ingest.safezip import SafeZip
from repository.ingest.text import parse_html

LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
ISBN = re.compile(r"^(?:urn:isbn:|isbn:?\s*)?((?:97[89])?[\d-]{9,}[\dXx])$", re.IGNORECASE)


def archive_href(base: str, href: str) -> str | None:
    """A package-relative link as an archive path, or None if it points outside the package or off-site."""
    href = unquote(href.split("#", 1)[0]).strip()
    if not href or "://" in href or href.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(base, href))
    return None if path.startswith("../") or path == ".." else path


def language_code(value: str) -> str | None:
    value = value.strip()
    code = value.split("-")[0].lower() + value[len(value.split("-")[0]) :]
    return code if LANG.match(code) else None


class EpubExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        archive = SafeZip(stream, stream.seek(0, 2))
        try:
            return self._extract(archive, detection)
        finally:
            archive.close()

    def _extract(self, archive: SafeZip, detection: Detection) -> Extraction:
        container = parse_xml(archive.read("META-INF/container.xml"), "META-INF/container.xml")
        rootfile = next(descendants(container, "rootfile"), None)
        opf_path = rootfile.get("full-path") if rootfile is not None else None
        if not opf_path:
            raise UnsupportedFormat("the EPUB names no package document in META-INF/container.xml")
        package = parse_xml(archive.read(opf_path), f"the EPUB package document {opf_path}")
        base = posixpath.dirname(opf_path)
        manifest = {item.get("id"): item for item in descendants(package, "item")}
        result = Extraction(mime=detection.mime, kind="epub")
        result.details["epub_version"] = package.get("version", "")
        result.metadata = _opf_metadata(child(package, "metadata"))
        chapters = []
        for itemref in descendants(package, "itemref"):
            item = manifest.get(itemref.get("idref"))
            path = archive_href(base, item.get("href", "")) if item is not None else None
            if path is None or not archive.find(path):
                continue
            chapters.append(parse_html(archive.read(path)).text)
        result.text = clean_text("\n\n".join(c for c in chapters if c))
        result.language = detect_language(result.text) or result.metadata.get("language")  # else the OPF's word
        result.thumbnail = _cover(archive, base, package, manifest, result.warnings)
        return result


def _opf_metadata(metadata: Element | None) -> dict[str, Any]:
    if metadata is None:
        return {"type": "book"}

    def values(name: str) -> list[str]:
        return [v for v in (text_of(e) for e in children(metadata, name)) if v]

    md: dict[str, Any] = {"type": "book"}
    language = next((code for v in values("language") if (code := language_code(v))), None)
    if language:
        md["language"] = language
    if titles := values("title"):
        md["titles"] = [{"value": titles[0], **lang_for(titles[0], language)}]
    if creators := values("creator"):
        md["creators"] = [{"name": n} for n in creators]
    if contributors := values("contributor"):
        md["contributors"] = [{"name": n} for n in contributors]
    if publisher := values("publisher"):
        md["publisher"] = publisher[0]
    if dates := [m.group(0) for v in values("date") if (m := DATE.match(v))]:
        md["date_issued"] = dates[0]
    if subjects := values("subject"):
        md["subjects"] = [{"value": s} for s in subjects]
    if descriptions := values("description"):
        abstract = parse_html(f"<html><body>{descriptions[0]}</body></html>").text
        if abstract:
            md["abstracts"] = [{"value": abstract}]
    if rights := values("rights"):
        md["rights"] = rights[0]
    identifiers = []
    for element in children(metadata, "identifier"):
        value = text_of(element)
        scheme = next((v.lower() for k, v in element.attrib.items() if local(k) == "scheme"), "")
        if (isbn := ISBN.match(value)) and (scheme in ("", "isbn") or value.lower().startswith("urn:isbn")):
            identifiers.append({"scheme": "isbn", "value": isbn.group(1)})
        elif value.lower().startswith(("doi:", "10.")) or scheme == "doi":
            identifiers.append(
                {"scheme": "doi", "value": value.split(":", 1)[-1] if value.lower().startswith("doi:") else value}
            )
    if identifiers:
        md["identifiers"] = identifiers
    return md


def _cover(
    archive: SafeZip, base: str, package: Element, manifest: dict[str | None, Element], notes: list[str]
) -> Preview | None:
    """EPUB 3's cover-image property, else EPUB 2's <meta name="cover">, else an image called cover."""
    items = list(manifest.values())
    cover = next((i for i in items if "cover-image" in (i.get("properties") or "").split()), None)
    if cover is None:
        meta = next((m for m in descendants(package, "meta") if m.get("name") == "cover"), None)
        cover = manifest.get(meta.get("content")) if meta is not None else None
    if cover is None:
        cover = next(
            (
                i
                for i in items
                if (i.get("media-type") or "").startswith("image/") and "cover" in (i.get("href") or "").lower()
            ),
            None,
        )
    path = archive_href(base, cover.get("href", "")) if cover is not None else None
    if path is None or not archive.find(path):
        return None
    return preview_from_bytes(archive.read(path), notes)
