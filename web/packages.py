"""Pages of a course package (SCORM, Common Cartridge), served straight out of its zip.

Package HTML is written by others and full of script, so it is served under
a sandboxing Content-Security-Policy without `allow-same-origin`: the page
runs in an opaque origin and can read neither the site's cookies nor its
pages, whatever it tries. The lesson page frames it with the same sandbox.
Because a sandboxed page cannot reach `window.parent` either, the SCORM
runtime the package looks for is injected into every HTML page as its first
script (web/static/scorm-runtime.js), so `API` / `API_1484_11` sit in the
page's own window.

A sandboxed page's own requests carry no cookies (its origin is opaque), so
staff previewing a course that is not public yet get the package under a
path with a signed, expiring key in it (`preview_key`): the page's relative
links keep the key, and its images and scripts load like the page itself.

The zip is read with ranged requests (`open_seekable`), so a page of a large
package on S3 costs its central directory and one entry, not the whole file.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from fastapi.responses import Response, StreamingResponse

from repository.domain import FileRef, FileRole, Item
from repository.errors import NotFound, UnsupportedFormat
from repository.ingest.detect import COURSE_KINDS
from repository.ingest.safezip import SafeZip
from repository.objects.ports import CHUNK, ObjectStore
from repository.objects.seekable import open_seekable
from web.templating import static_url

PACKAGE_CSP = "; ".join(
    [
        "sandbox allow-scripts allow-forms allow-popups",  # no allow-same-origin: an opaque origin, no cookies
        "default-src 'self' data: blob:",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # packages use inline handlers; the sandbox contains them
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# Types a package needs right under nosniff, whatever the server's mime.types says.
WEB_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".vtt": "text/vtt",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
}
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(rb"<html(\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?<!doctype[^>]*>", re.IGNORECASE)
MAX_PAGES_LISTED = 500
PREVIEW_SECONDS = 12 * 3600


def preview_key(secret: str, item_id: str, file_id: int, now: float | None = None) -> str:
    """A key that opens one package of one course, whatever its status, for PREVIEW_SECONDS."""
    expires = int((now or time.time()) + PREVIEW_SECONDS)
    return f"{expires}-{_signature(secret, item_id, file_id, expires)}"


def preview_key_valid(secret: str, item_id: str, file_id: int, key: str, now: float | None = None) -> bool:
    expires, _, signature = key.partition("-")
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    return hmac.compare_digest(signature, _signature(secret, item_id, file_id, int(expires)))


def _signature(secret: str, item_id: str, file_id: int, expires: int) -> str:
    message = f"package-preview:{item_id}:{file_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def is_package(ref: FileRef) -> bool:
    """A course package the ingest worker recognised (SCORM 1.2/2004, IMS CC or CP)."""
    return ref.role is FileRole.ORIGINAL and ref.details.get("kind") in COURSE_KINDS


def is_page(ref: FileRef) -> bool:
    """An HTML file of the course itself, shown like a package page."""
    return ref.role is FileRole.ORIGINAL and (ref.mime == "text/html" or ref.name.lower().endswith(HTML_SUFFIXES))


def media_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    return WEB_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def with_runtime(html: bytes) -> bytes:
    """The page with the SCORM runtime as its first script: after <head>, else <html>, else the doctype."""
    tag = f'<script src="{static_url("scorm-runtime.js")}"></script>'.encode()
    for pattern in (_HEAD, _HTML, _DOCTYPE):
        match = pattern.search(html)
        if match:
            return html[: match.end()] + tag + html[match.end() :]
    return tag + html


@dataclass(frozen=True)
class PackagePage:
    href: str
    title: str


def _open(store: ObjectStore, ref: FileRef) -> SafeZip:
    try:
        return SafeZip(open_seekable(store, ref.key), ref.size)
    except UnsupportedFormat as exc:
        raise NotFound(f"file {ref.id} is not a readable package") from exc


def _titled(tree: list[dict[str, object]]) -> Iterator[tuple[str, str]]:
    for node in tree:
        if node.get("href"):
            yield str(node["href"]), str(node.get("title") or node["href"])
        yield from _titled(node.get("children") or [])  # type: ignore[arg-type]


def package_pages(store: ObjectStore, ref: FileRef) -> list[PackagePage]:
    """The package's HTML pages for the outline builder: the organisation's pages first, with their titles."""
    titled = dict(_titled(ref.details.get("outline") or []))
    archive = _open(store, ref)
    try:
        names = [n for n in archive.names() if n.lower().endswith(HTML_SUFFIXES)]
    finally:
        archive.close()
    pages = [PackagePage(href, title) for href, title in titled.items()]
    pages += [PackagePage(name, name) for name in sorted(names) if name not in titled]
    return pages[:MAX_PAGES_LISTED]


def _headers(public: bool, kind: str) -> dict[str, str]:
    # The content type is set here so no charset is added: a page may name its own (windows-1256, say).
    headers = {"content-type": kind, "content-security-policy": PACKAGE_CSP}
    if public:
        return headers | {"cache-control": "public, max-age=3600"}
    return headers | {"cache-control": "private, no-store", "x-robots-tag": "noindex"}


def _html(body: bytes, kind: str, public: bool) -> Response:
    """A page with the runtime injected; bytes that are valid UTF-8 are declared so (pages often say nothing)."""
    try:
        body.decode("utf-8")
        kind += "; charset=utf-8"
    except UnicodeDecodeError:
        pass
    return Response(with_runtime(body), headers=_headers(public, kind))


def serve_page(store: ObjectStore, item: Item, ref: FileRef, path: str, *, public: bool) -> Response:
    """One entry of a package (or the course's own HTML file), sandboxed; HTML gets the SCORM runtime."""
    if not is_package(ref):
        if not is_page(ref) or path != ref.name:
            raise NotFound(f"no page {path!r} in file {ref.id} of course {item.id}")
        with store.open(ref.key) as fh:
            return _html(fh.read(), "text/html", public)
    archive = _open(store, ref)
    name = archive.find(path)
    if name is None:
        archive.close()
        raise NotFound(f"no page {path!r} in the package {ref.name}")
    kind = media_type(name)
    if name.lower().endswith(HTML_SUFFIXES):
        try:
            return _html(archive.read(name), kind, public)
        finally:
            archive.close()
    info = archive.infos[name]
    headers = _headers(public, kind) | {"content-length": str(info.file_size)}
    return StreamingResponse(_entry_chunks(archive, info), headers=headers)


def _entry_chunks(archive: SafeZip, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A (possibly large) entry, media for instance, streamed rather than read whole."""
    try:
        with archive.zip.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        archive.close()
