"""File type detection from the bytes with libmagic: never the client's claim or the extension.

libmagic names the outer format; zip containers are then opened (safely) to
tell EPUB, DOCX/PPTX/XLSX, ODT/ODP, SCORM 1.2, SCORM 2004, IMS Common
Cartridge and a plain zip apart. A name whose extension promises another
kind than the bytes hold is flagged, since that is how disguised files get in.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import BinaryIO

import magic

from repository.errors import UnsupportedFormat
from repository.ingest.ports import Detection
from repository.ingest.safexml import child, parse_xml, text_of
from repository.ingest.safezip import SafeZip

SNIFF_BYTES = 2 * 1024 * 1024  # enough for libmagic to see inside a zip's first entries

ZIP_MAGIC = b"PK\x03\x04"
ODF_KINDS = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
OOXML_KINDS = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
TEXT_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".vtt": "captions", ".srt": "captions"}
COURSE_KINDS = ("scorm12", "scorm2004", "imscc", "imscp")

LABELS = {
    "pdf": "a PDF document", "epub": "an EPUB book", "docx": "a Word document", "pptx": "a PowerPoint presentation",
    "xlsx": "an Excel workbook", "odt": "an OpenDocument text", "odp": "an OpenDocument presentation",
    "html": "an HTML page", "text": "plain text", "markdown": "Markdown text", "captions": "captions",
    "scorm12": "a SCORM 1.2 package", "scorm2004": "a SCORM 2004 package", "imscc": "an IMS Common Cartridge",
    "imscp": "an IMS content package", "zip": "a ZIP archive", "video": "a video", "audio": "a sound recording",
    "image": "an image", "other": "a file of an unknown kind",
}  # fmt: skip
# What each familiar extension promises; a name outside this table promises nothing.
SUFFIX_KINDS: dict[str, set[str]] = {
    ".pdf": {"pdf"}, ".epub": {"epub", "zip"}, ".docx": {"docx"}, ".pptx": {"pptx"}, ".xlsx": {"xlsx"},
    ".odt": {"odt"}, ".odp": {"odp"}, ".html": {"html"}, ".htm": {"html"}, ".xhtml": {"html"},
    ".txt": {"text", "markdown", "captions"}, ".md": {"markdown", "text", "html"}, ".vtt": {"captions"},
    ".srt": {"captions"}, ".zip": {"zip", *COURSE_KINDS, "epub"}, ".imscc": {"imscc", "zip"},
    ".jpg": {"image"}, ".jpeg": {"image"}, ".png": {"image"}, ".gif": {"image"}, ".tif": {"image"},
    ".tiff": {"image"}, ".webp": {"image"}, ".mp4": {"video", "audio"}, ".m4v": {"video"}, ".mkv": {"video"},
    ".webm": {"video", "audio"}, ".mov": {"video"}, ".mp3": {"audio"}, ".m4a": {"audio"}, ".ogg": {"audio", "video"},
    ".oga": {"audio"}, ".ogv": {"video"}, ".wav": {"audio"}, ".flac": {"audio"},
}  # fmt: skip


def sniff_mime(head: bytes) -> str:
    """The MIME type libmagic gives for a file's first bytes (`file --mime-type`'s answer for an empty file)."""
    if not head:
        return "inode/x-empty"
    return str(magic.from_buffer(head, mime=True))


def detect(stream: BinaryIO, name: str) -> Detection:
    """What the file is; raises UnsupportedFormat for an empty file or a container that must be refused."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise UnsupportedFormat("refused: the file is empty")
    mime = sniff_mime(head)
    kind = _kind(stream, head, mime, name)
    warnings = []
    suffix = PurePath(name).suffix.lower()
    promised = SUFFIX_KINDS.get(suffix)
    if promised is not None and kind not in promised:
        warnings.append(f"suspicious: the name {name!r} says {suffix} but the content is {LABELS[kind]} ({mime})")
    return Detection(mime=mime, kind=kind, warnings=tuple(warnings))


def _kind(stream: BinaryIO, head: bytes, mime: str, name: str) -> str:
    if head.startswith(ZIP_MAGIC) or mime in ("application/zip", "application/epub+zip"):
        return container_kind(stream)
    if mime == "application/pdf":
        return "pdf"
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("text/xml", "application/xml"):
        return "html" if b"<html" in head[:4096].lower() else "other"
    if mime in ("text/vtt", "application/x-subrip"):
        return "captions"
    if mime.startswith("text/"):
        by_suffix = TEXT_SUFFIXES.get(PurePath(name).suffix.lower())
        if by_suffix:
            return by_suffix
        return "captions" if head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT") else "text"
    for family in ("video", "audio", "image"):
        if mime.startswith(family + "/"):
            return family
    if mime == "application/ogg":
        return "audio"
    return "other"


def container_kind(stream: BinaryIO) -> str:
    """Open a zip container and say which kind of package it is."""
    archive = SafeZip(stream, stream.seek(0, 2))
    try:
        declared = archive.read("mimetype", 256).decode("ascii", "replace").strip() if archive.find("mimetype") else ""
        if declared == "application/epub+zip" or archive.find("META-INF/container.xml"):
            return "epub"
        if declared in ODF_KINDS:
            return ODF_KINDS[declared]
        if archive.find("[Content_Types].xml"):
            for part, kind in OOXML_KINDS.items():
                if archive.find(part):
                    return kind
        if "imsmanifest.xml" in archive.infos:  # a package's manifest sits at its root
            return course_kind(archive.read("imsmanifest.xml"))
        return "zip"
    finally:
        archive.close()


def course_kind(manifest: bytes) -> str:
    """SCORM 1.2, SCORM 2004, IMS Common Cartridge, or a bare IMS content package, from imsmanifest.xml."""
    root = parse_xml(manifest, "the package manifest imsmanifest.xml")
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    schema = text_of(child(root, "metadata", "schema")).lower()
    version = text_of(child(root, "metadata", "schemaversion")).lower()
    if "imscc" in namespace or "common cartridge" in schema:
        return "imscc"
    if version.startswith(("2004", "cam 1.3")) or b"adlcp_v1p3" in manifest:
        return "scorm2004"
    if "scorm" in schema or version == "1.2" or b"adlcp_rootv1p2" in manifest:
        return "scorm12"
    return "imscp"
