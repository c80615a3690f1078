"""Course → IMS Common Cartridge 1.1, the package Moodle, Canvas, Blackboard and Brightspace import.

`cartridge_manifest` is the pure part: course in, `imsmanifest.xml` out —
LOM metadata (the CC 1.1 LOM profile), the outline as the organisation
(root → module → lesson → one leaf per resource, since only leaves may
reference resources) and the resources: the course's own files as
`webcontent`, pages of an imported package as `webcontent` inside its
unpacked folder, and links to other repository items as `imswl_xmlv1p1` web
links. `write_cartridge` adds the bytes and writes the zip.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import root, sub
from repository.courses.outline import Resource, ResourceKind
from repository.courses.service import Attribution, Course
from repository.domain import FileRef, Item
from repository.ingest.safezip import SafeZip
from repository.objects.ports import CHUNK, ObjectStore

CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
WL = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
SCHEMA_LOCATION = (
    f"{CP} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd "
    f"{LOM} http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd"
)
WL_SCHEMA_LOCATION = f"{WL} http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imswl_v1p1.xsd"


@dataclass(frozen=True)
class Part:
    """One resource of the cartridge: its manifest identifier and what goes into the zip for it."""

    identifier: str
    resource: Resource
    href: str  # the file the resource launches
    file: FileRef | None  # the course file whose bytes (or unpacked package) it needs


def _files_by_id(item: Item) -> dict[int, FileRef]:
    return {f.id: f for f in item.files}


def _target(resource: Resource) -> tuple[object, ...]:
    return (resource.kind, resource.file_id, resource.href, resource.item_id)


def parts(course: Course) -> dict[tuple[object, ...], Part]:
    """One part per distinct target: a file used in two lessons is packed and declared once."""
    files = _files_by_id(course.item)
    found: dict[tuple[object, ...], Part] = {}
    for resource in course.outline.resources():
        key = _target(resource)
        if key in found:
            continue
        ident = f"R{len(found) + 1:04d}"
        if resource.kind is ResourceKind.ITEM:
            found[key] = Part(ident, resource, f"links/{ident}.xml", None)
        else:
            f = files[resource.file_id]  # type: ignore[index]
            href = (
                f"web_resources/package-{f.id}/{resource.href}"
                if resource.kind is ResourceKind.PACKAGE
                else f"web_resources/{f.id}/{f.name}"
            )
            found[key] = Part(ident, resource, href, f)
    return found


def cartridge_manifest(course: Course, ctx: Context) -> etree._Element:
    item = course.item
    manifest = root(f"{{{CP}}}manifest", {None: CP, "lomimscc": LOM}, SCHEMA_LOCATION)
    manifest.set("identifier", f"mawrid-{item.id}")
    metadata = sub(manifest, f"{{{CP}}}metadata")
    sub(metadata, f"{{{CP}}}schema", "IMS Common Cartridge")
    sub(metadata, f"{{{CP}}}schemaversion", "1.1.0")
    _lom(sub(metadata, f"{{{LOM}}}lom"), item, ctx)

    organisation = sub(sub(manifest, f"{{{CP}}}organizations"), f"{{{CP}}}organization",
                       identifier="O1", structure="rooted-hierarchy")  # fmt: skip
    top = sub(organisation, f"{{{CP}}}item", identifier="ROOT")
    by_target = parts(course)
    for m, module in enumerate(course.outline.modules, 1):
        mod = sub(top, f"{{{CP}}}item", identifier=f"M{m:03d}")
        sub(mod, f"{{{CP}}}title", module.title)
        for n, lesson in enumerate(module.lessons, 1):
            les = sub(mod, f"{{{CP}}}item", identifier=f"M{m:03d}L{n:03d}")
            sub(les, f"{{{CP}}}title", lesson.title)
            for k, resource in enumerate(lesson.resources, 1):
                part = by_target[_target(resource)]
                leaf = sub(les, f"{{{CP}}}item", identifier=f"M{m:03d}L{n:03d}I{k:03d}", identifierref=part.identifier)
                sub(leaf, f"{{{CP}}}title", resource.title)

    resources = sub(manifest, f"{{{CP}}}resources")
    for part in by_target.values():
        if part.resource.kind is ResourceKind.ITEM:
            res = sub(resources, f"{{{CP}}}resource", identifier=part.identifier, type="imswl_xmlv1p1")
        else:
            res = sub(resources, f"{{{CP}}}resource", identifier=part.identifier, type="webcontent", href=part.href)
        sub(res, f"{{{CP}}}file", href=part.href)
    return manifest


def _lom(lom: etree._Element, item: Item, ctx: Context) -> None:
    md = item.metadata

    def add(parent: etree._Element, name: str, text: str | None = None, **attrs: str | None) -> etree._Element:
        return sub(parent, f"{{{LOM}}}{name}", text, **attrs)

    def langstring(parent: etree._Element, name: str, text: str, lang: str | None) -> None:
        add(add(parent, name), "string", text, language=lang)

    general = add(lom, "general")
    identifier = add(general, "identifier")
    add(identifier, "catalog", "URI")
    add(identifier, "entry", ctx.landing_page(item))
    title = md["titles"][0]
    langstring(general, "title", title["value"], title.get("lang"))
    if md.get("language"):
        add(general, "language", md["language"])
    for abstract in md.get("abstracts", []):
        langstring(general, "description", abstract["value"], abstract.get("lang"))
    for subject in md.get("subjects", []):
        langstring(general, "keyword", subject["value"], subject.get("lang"))
    if md.get("creators"):
        life = add(lom, "lifeCycle")
        for creator in md["creators"]:
            contribute = add(life, "contribute")
            add(add(contribute, "role"), "value", "author")  # the CC profile drops LOM's <source>
            add(contribute, "entity", _vcard(creator["name"]))
    rights = add(lom, "rights")
    add(add(rights, "copyrightAndOtherRestrictions"), "value", "yes")
    licence = md.get("license") or {}
    notice = " ".join(filter(None, [licence.get("label"), licence.get("uri")])) or md.get("rights", "")
    if notice:
        langstring(rights, "description", notice, "en")


def _vcard(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{escaped}\nN:{escaped}\nEND:VCARD"


def weblink(title: str, url: str) -> etree._Element:
    link = root(f"{{{WL}}}webLink", {None: WL}, WL_SCHEMA_LOCATION)
    sub(link, f"{{{WL}}}title", title)
    sub(link, f"{{{WL}}}url", href=url, target="_blank")
    return link


def attribution_text(credits: list[Attribution], ctx: Context) -> str:
    """The attribution list as plain text: title, authors, source link, licence for each work."""
    lines = ["Attribution", "===========", ""]
    for credit in credits:
        authors = ", ".join(credit.authors) or "unknown author"
        licence = credit.license.label + (f" <{credit.license.uri}>" if credit.license.uri else "")
        lines += [f"- “{credit.title}” by {authors}", f"  source: {ctx.base_url}/items/{credit.source}",
                  f"  licence: {licence}", ""]  # fmt: skip
    return "\n".join(lines)


def write_cartridge(
    course: Course, store: ObjectStore, ctx: Context, credits: list[Attribution], out: BinaryIO
) -> None:
    """Write the .imscc zip: manifest, the course's files, unpacked package pages, web links, attribution."""
    xml = etree.tostring(cartridge_manifest(course, ctx), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", xml)
        archive.writestr("ATTRIBUTION.txt", attribution_text(credits, ctx))
        unpacked: set[int] = set()
        for part in parts(course).values():
            if part.resource.kind is ResourceKind.ITEM:
                url = f"{ctx.base_url}/items/{part.resource.item_id}"
                link = weblink(part.resource.title, url)
                archive.writestr(part.href, etree.tostring(link, xml_declaration=True, encoding="UTF-8"))
            elif part.resource.kind is ResourceKind.PACKAGE and part.file is not None and part.file.id not in unpacked:
                unpacked.add(part.file.id)
                for name, data in _package_entries(store, part.file):
                    archive.writestr(f"web_resources/package-{part.file.id}/{name}", data)
            elif part.resource.kind is ResourceKind.FILE and part.file is not None:
                with store.open(part.file.key) as src, archive.open(part.href, "w") as dst:
                    while chunk := src.read(CHUNK):
                        dst.write(chunk)


def _package_entries(store: ObjectStore, package: FileRef) -> Iterator[tuple[str, bytes]]:
    """Every file of an imported package except its own manifest, through the same checks as ingest.

    The package is spooled to a temporary file because a zip needs seeking, which S3 bodies lack.
    """
    with tempfile.TemporaryFile() as spool:
        with store.open(package.key) as raw:
            shutil.copyfileobj(raw, spool, CHUNK)
        archive = SafeZip(spool, spool.tell())
        try:
            for name in archive.names():
                if name != "imsmanifest.xml" and not name.endswith("/"):
                    yield name, archive.read(name)
        finally:
            archive.close()
