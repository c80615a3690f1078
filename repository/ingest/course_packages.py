"""Self-learning course packages: SCORM 1.2, SCORM 2004 and IMS Common Cartridge.

Everything comes from `imsmanifest.xml`: LOM metadata (title, description,
keywords, language, educational fields), the default organisation's tree of
lessons — kept as the file's outline — and its resources, whose HTML pages
are read in organisation order, then any the organisation does not reach.
Common Cartridge discussion topics, web links and quizzes are XML with HTML
inside; their text is read too. The archive is vetted by SafeZip and every
XML part by the entity-refusing parser, so a hostile package is refused.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from repository.errors import UnsupportedFormat
from repository.ingest.epub import archive_href, language_code
from repository.ingest.language import clean_text
from repository.ingest.ports import Detection, Extraction
from repository.ingest.safexml import child, children, descendants, local, parse_xml, text_of
from repository.ingest.safezip import SafeZip
from repository.ingest.text import parse_html

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
XML_RESOURCE_TYPES = ("imsdt", "imswl", "imsqti", "assessment")  # discussion topics, web links, quizzes
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
MAX_DEPTH = 64
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
LICENSE_URI = re.compile(r"https?://creativecommons\.org/[^\s\"<>]+")


class CourseExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        archive = SafeZip(stream, stream.seek(0, 2))
        try:
            return _extract(archive, detection)
        finally:
            archive.close()


def _extract(archive: SafeZip, detection: Detection) -> Extraction:
    if "imsmanifest.xml" not in archive.infos:
        raise UnsupportedFormat("the package has no imsmanifest.xml at its root")
    manifest = parse_xml(archive.read("imsmanifest.xml"), "the package manifest imsmanifest.xml")
    result = Extraction(mime=detection.mime, kind=detection.kind)
    package_metadata = child(manifest, "metadata")
    resources = {r.get("identifier"): r for r in descendants(manifest, "resource")}
    organisation = _default_organisation(manifest)
    outline = _outline(organisation, resources, 0) if organisation is not None else []
    organisation_title = text_of(child(organisation, "title")) if organisation is not None else ""
    result.details = {
        "schemaversion": text_of(child(package_metadata, "schemaversion")),
        "organization_title": organisation_title or _first_title(outline),
        "outline": outline,
        "resource_count": len(resources),
        "sco_count": sum(1 for r in resources.values() if _scorm_type(r) == "sco"),
    }
    lom = _lom(archive, package_metadata)
    result.metadata = _lom_metadata(lom) if lom is not None else {}
    result.metadata["type"] = "course"
    if "titles" not in result.metadata and result.details["organization_title"]:
        result.metadata["titles"] = [{"value": result.details["organization_title"]}]
    if lom is not None and (lom_title := text_of(child(lom, "general", "title"))):
        result.details["lom_title"] = lom_title
    # Each page's text starts a "page" of the text, so a search hit can name the lesson it came from.
    pages = [(path, clean_text(text)) for path, text in _texts(archive, organisation, resources, result.warnings)]
    pages = [(path, text) for path, text in pages if text]
    result.text = "\n\n".join(text for _, text in pages)
    offset = 0
    for _, text in pages:
        result.page_starts.append(offset)
        offset += len(text) + 2
    result.details["page_hrefs"] = [path for path, _ in pages]
    return result


def _default_organisation(manifest: Element) -> Element | None:
    organisations = child(manifest, "organizations")
    if organisations is None:
        return None
    found = list(children(organisations, "organization"))
    default = organisations.get("default")
    return next((o for o in found if o.get("identifier") == default), found[0] if found else None)


def _scorm_type(resource: Element) -> str:
    return next((v.lower() for k, v in resource.attrib.items() if local(k).lower() == "scormtype"), "")


def _resource_files(resource: Element) -> list[str]:
    """The resource's launch page, then its listed files, as archive paths (xml:base applied)."""
    base = (resource.get(XML_BASE) or "").strip("/")
    hrefs = [resource.get("href") or ""] + [f.get("href") or "" for f in children(resource, "file")]
    paths = []
    for href in hrefs:
        path = archive_href(base, href.split("?", 1)[0]) if href else None
        if path and path not in paths:
            paths.append(path)
    return paths


def _outline(parent: Element, resources: dict[str | None, Element], depth: int) -> list[dict[str, Any]]:
    """The organisation's items as {"title", "href", "children"}; untitled wrapper items are flattened."""
    if depth > MAX_DEPTH:
        raise UnsupportedFormat(f"refused: the organisation is nested deeper than {MAX_DEPTH} levels")
    nodes: list[dict[str, Any]] = []
    for item in children(parent, "item"):
        kids = _outline(item, resources, depth + 1)
        title = text_of(child(item, "title"))
        if not title:
            nodes.extend(kids)
            continue
        resource = resources.get(item.get("identifierref"))
        files = _resource_files(resource) if resource is not None else []
        nodes.append({"title": title, "href": files[0] if files else None, "children": kids})
    return nodes


def _first_title(outline: list[dict[str, Any]]) -> str:
    return str(outline[0]["title"]) if outline else ""


def _ordered_resources(organisation: Element | None, resources: dict[str | None, Element]) -> list[Element]:
    ordered: list[Element] = []
    if organisation is not None:
        for item in organisation.iter():
            resource = resources.get(item.get("identifierref")) if local(item.tag) == "item" else None
            if resource is not None and resource not in ordered:
                ordered.append(resource)
    return ordered + [r for r in resources.values() if r not in ordered]


def _texts(
    archive: SafeZip, organisation: Element | None, resources: dict[str | None, Element], notes: list[str]
) -> list[tuple[str, str]]:
    """(path, text) of each resource page in order; a broken page is skipped with a note rather than failing."""
    texts: list[tuple[str, str]] = []
    seen = set()
    for resource in _ordered_resources(organisation, resources):
        xml_resource = (resource.get("type") or "").lower().startswith(XML_RESOURCE_TYPES)
        for path in _resource_files(resource):
            if path in seen or not archive.find(path):
                continue
            seen.add(path)
            lower = path.lower()
            if lower.endswith(HTML_SUFFIXES):
                texts.append((path, parse_html(archive.read(path)).text))
            elif xml_resource and lower.endswith((".xml", ".qti", ".forum")):
                try:
                    texts.append((path, _xml_resource_text(parse_xml(archive.read(path), path))))
                except UnsupportedFormat as exc:
                    notes.append(f"skipped: {exc.message}")
    return texts


def _xml_resource_text(root: Element) -> str:
    """Text of a CC topic, link or quiz; escaped HTML inside an element is parsed as HTML."""
    parts = []
    for element in root.iter():
        value = (element.text or "").strip()
        if value:
            parts.append(parse_html(f"<html><body>{value}</body></html>").text if "<" in value else value)
        if local(element.tag) == "webLink" or local(element.tag) == "url":
            parts.append(element.get("href", ""))
    return "\n".join(p for p in parts if p)


# --- LOM ---------------------------------------------------------------------------------------


def _lom(archive: SafeZip, metadata: Element | None) -> Element | None:
    """The package's LOM record: inline in <metadata>, or in the file its <adlcp:location> names."""
    if metadata is None:
        return None
    inline = next((e for e in metadata if local(e.tag) == "lom"), None)
    if inline is not None and len(inline):
        return inline
    location = next((e for e in metadata if local(e.tag) == "location"), None)
    path = archive_href("", text_of(location)) if location is not None else None
    if path and archive.find(path):
        record = parse_xml(archive.read(path), path)
        return record if local(record.tag) == "lom" else next(descendants(record, "lom"), None)
    return None


def _lom_values(element: Element | None) -> list[str]:
    """A LOM value: its <string>/<langstring> children, else its <value>, else its own text."""
    if element is None:
        return []
    strings = [text_of(s) for s in element.iter() if local(s.tag) in ("string", "langstring")]
    if not strings:
        strings = [text_of(v) for v in descendants(element, "value")] or [text_of(element)]
    return [s for s in strings if s]


def _lom_metadata(lom: Element) -> dict[str, Any]:
    md: dict[str, Any] = {}
    general = child(lom, "general")
    if title := _lom_values(child(general, "title"))[:1]:
        md["titles"] = [{"value": title[0]}]
    if descriptions := _lom_values(child(general, "description"))[:1]:
        md["abstracts"] = [{"value": descriptions[0]}]
    keywords = [k for e in (children(general, "keyword") if general is not None else []) for k in _lom_values(e)]
    if keywords:
        md["subjects"] = [{"value": k} for k in keywords]
    language = next(
        (c for e in (children(general, "language") if general is not None else []) if (c := language_code(text_of(e)))),
        None,
    )
    if language:
        md["language"] = language
    creators = []
    for entity in descendants(lom, "entity"):
        vcard = text_of(entity)
        name = re.search(r"FN:([^\n\r]+?)(?:\s+[A-Z]+[:;]|$)", vcard)
        if name:
            creators.append({"name": name.group(1).strip()})
    if creators:
        md["creators"] = creators
    if date := DATE.match(next((text_of(d) for d in descendants(lom, "dateTime")), "")):
        md["date_issued"] = date.group(0)
    rights = child(lom, "rights")
    if rights_text := _lom_values(child(rights, "description"))[:1]:
        md["rights"] = rights_text[0]
        if uri := LICENSE_URI.search(rights_text[0]):
            md["license"] = {"uri": uri.group(0).rstrip(".,;)")}
    oer = _educational(child(lom, "educational"))
    if oer:
        md["oer"] = oer
    return md


def _educational(educational: Element | None) -> dict[str, Any]:
    if educational is None:
        return {}
    oer: dict[str, Any] = {}
    for lom_name, field in (
        ("learningResourceType", "learning_resource_type"),
        ("intendedEndUserRole", "intended_audience"),
        ("context", "educational_level"),
    ):
        values = [v for e in children(educational, lom_name) for v in _lom_values(child(e, "value") or e)]
        if values:
            oer[field] = ", ".join(dict.fromkeys(values))
    duration = text_of(child(educational, "typicalLearningTime", "duration")) or text_of(
        child(educational, "typicalLearningTime", "datetime")
    )
    if DURATION.match(duration):
        oer["time_required"] = duration
    return oer
