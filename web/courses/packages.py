"""Pages of a course package (SCORM, Common Cartridge), served straight out of its zip.

Package HTML is written by others and full of script, so it never runs with
the site's origin: it could read the site's pages, the CSRF token in them and
call the staff API with the reader's session. Two ways to keep it contained:

**An origin of its own** (`MAWRID_PACKAGE_ORIGIN`, a host name that reaches
this same server, e.g. `https://packages.example.org`; the default for `make
run` and the browser tests). Every page of every package is then served
from that origin, under a CSP `sandbox` that keeps `allow-same-origin`, so a
package's launch page and the frames nested in it share one origin and talk
to each other as SCORM content expects. The lesson frames a small player
page from the same origin (`player_page`) that holds the SCORM runtime
(web/static/scorm-runtime.js): the launch page finds `API` / `API_1484_11` by
walking `window.parent`, the ADL way. `PackageHostMiddleware` keeps that host
to package pages, the player and the runtime script, drops any cookie sent
to it and refuses to set one, so a package can reach nothing of the site: the
site's pages are cross-origin (the browser lets it read neither them nor their
cookies), and its own origin has no session and no staff pages. The host
must differ from the site's (cookies ignore ports); a separate registrable
domain is best, as then the site's SameSite cookies never accompany a
package's requests either.

**An opaque sandbox** (no package origin configured): pages are served under
a CSP `sandbox` without `allow-same-origin`, each one in an opaque origin of
its own. The runtime is injected into every HTML page as its first script, so
a single-page package finds it in its own window; a launch page that looks
for the API only in its parents, or frames that call each other, cannot work
there, which is why deployments set a package origin.

A sandboxed page's own requests carry no cookies, so staff previewing a
course that is not public yet get the package under a path with a signed,
expiring key in it (`preview_key`): the page's relative links keep the key,
and its images and scripts load like the page itself.

Common Cartridge pages exported by Canvas name their files through
placeholders (`$IMS-CC-FILEBASE$/…`, `$WIKI_REFERENCE$/pages/…`); they are
rewritten to paths inside the package as the page is served (`resolve_cc_links`).

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
from urllib.parse import quote, unquote, urlsplit

from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def isolated_csp(site_origin: str) -> str:
    """The policy of package pages on the package origin: one origin for the whole package, framed by the site."""
    return "; ".join(
        [
            "sandbox allow-scripts allow-same-origin allow-forms allow-popups",  # no top navigation, no modals
            "default-src 'self' data: blob:",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors 'self' {site_origin}",
        ]
    )


def player_csp(site_origin: str) -> str:
    """The player is our own page: no inline script, and only the site (or a new tab) may frame it."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors 'self' {site_origin}",
        ]
    )


# What the package host answers; anything else there is 404, so a package cannot reach a site page through it.
PACKAGE_HOST_PATHS = re.compile(
    r"^/(courses/[^/]+/(package|preview|player)(/|$)|static/scorm-(runtime\.js|player\.css)$)"
)
# A player frames a page of a package of its own course, nothing else.
PLAYER_PAGE = re.compile(r"^/courses/(?P<item>[^/?#]+)/(package|preview/[0-9]+-[0-9a-f]+)/[0-9]+/[^?#\\]*$")


def package_host(settings_origin: str | None) -> str | None:
    """The Host header (host[:port]) the package origin is reached by, lower-cased."""
    return urlsplit(settings_origin).netloc.lower() if settings_origin else None


def on_package_host(host_header: str | None, settings_origin: str | None) -> bool:
    host = package_host(settings_origin)
    return host is not None and (host_header or "").lower() == host


def player_page_valid(item_id: str, page: str) -> bool:
    match = PLAYER_PAGE.match(page)
    return match is not None and match["item"] == item_id and "/../" not in page and "//" not in page


class PackageHostMiddleware:
    """Keeps the package host to package pages: other paths are 404, cookies are neither read nor set there.

    Outside the session middleware, so a package page is always served to an anonymous reader
    (staff previews carry a signed key in the path instead)."""

    def __init__(self, app: ASGIApp, package_origin: str | None) -> None:
        self.app = app
        self.host = package_host(package_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.host is None:
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"cookie", b"authorization")]
        host = next((v.decode("latin-1").lower() for k, v in scope["headers"] if k == b"host"), "")
        if host != self.host:
            await self.app(scope, receive, send)
            return
        if not PACKAGE_HOST_PATHS.match(scope["path"]):
            await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
            return

        async def without_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                del MutableHeaders(scope=message)["set-cookie"]
            await send(message)

        await self.app({**scope, "headers": headers}, receive, without_cookies)


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


# Canvas's Common Cartridge placeholders, raw or percent-encoded, and the path after them (up to a query or quote).
_CC_TOKEN = re.compile(
    rb"(?:\$|%24)(IMS[-_]CC[-_]FILEBASE|WIKI_REFERENCE|CANVAS_OBJECT_REFERENCE)(?:\$|%24)(/[^\"'\s<>?#]*)?",
    re.IGNORECASE,
)
CC_FILES = "web_resources"  # where Canvas puts a cartridge's files; `$IMS-CC-FILEBASE$` stands for it
CC_PAGES = "wiki_content"  # where it puts its pages, `<slug>.html`


def resolve_cc_links(html: bytes, page: str, names: list[str]) -> bytes:
    """Canvas placeholders in a cartridge page rewritten to relative paths inside the package.

    `$IMS-CC-FILEBASE$/a.png` (also `$IMS_CC_FILEBASE$`, `%24IMS-CC-FILEBASE%24`) becomes `web_resources/a.png`;
    `$WIKI_REFERENCE$/pages/slug` the page `wiki_content/slug.html` and `$CANVAS_OBJECT_REFERENCE$/kind/id` the
    HTML page of resource folder `id`, when the package holds them. Module and other links stay as they are:
    there is nothing in the package to point them at."""
    up = "../" * page.count("/")
    present = set(names)

    def swap(match: re.Match[bytes]) -> bytes:
        token, rest = match[1].upper().replace(b"_", b"-"), (match[2] or b"").decode("latin-1")
        if token == b"IMS-CC-FILEBASE":
            return f"{up}{CC_FILES}{rest or '/'}".encode("latin-1")
        parts = [unquote(p) for p in rest.strip("/").split("/")]
        target = None
        if token == b"WIKI-REFERENCE" and len(parts) == 2 and parts[0] == "pages":
            target = f"{CC_PAGES}/{parts[1]}.html"
        elif token == b"CANVAS-OBJECT-REFERENCE" and len(parts) == 2:
            folder = f"{parts[1]}/"
            target = next((n for n in sorted(present) if n.startswith(folder) and n.endswith(HTML_SUFFIXES)), None)
        if target is None or target not in present:
            return match[0]
        return (up + quote(target)).encode("latin-1")

    return _CC_TOKEN.sub(swap, html)


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


def _headers(public: bool, kind: str, csp: str) -> dict[str, str]:
    # The content type is set here so no charset is added: a page may name its own (windows-1256, say).
    headers = {"content-type": kind, "content-security-policy": csp}
    if public:
        return headers | {"cache-control": "public, max-age=3600"}
    return headers | {"cache-control": "private, no-store", "x-robots-tag": "noindex"}


def _html(body: bytes, kind: str, public: bool, csp: str) -> Response:
    """A page with the runtime injected; bytes that are valid UTF-8 are declared so (pages often say nothing)."""
    try:
        body.decode("utf-8")
        kind += "; charset=utf-8"
    except UnicodeDecodeError:
        pass
    return Response(with_runtime(body), headers=_headers(public, kind, csp))


def serve_page(
    store: ObjectStore, item: Item, ref: FileRef, path: str, *, public: bool, site_origin: str | None = None
) -> Response:
    """One entry of a package (or the course's own HTML file), sandboxed; HTML gets the SCORM runtime.

    With `site_origin` the page is served for the package origin (framed by that site), else in an opaque sandbox."""
    csp = isolated_csp(site_origin) if site_origin else PACKAGE_CSP
    if not is_package(ref):
        if not is_page(ref) or path != ref.name:
            raise NotFound(f"no page {path!r} in file {ref.id} of course {item.id}")
        with store.open(ref.key) as fh:
            return _html(fh.read(), "text/html", public, csp)
    archive = _open(store, ref)
    name = archive.find(path)
    if name is None:
        archive.close()
        raise NotFound(f"no page {path!r} in the package {ref.name}")
    kind = media_type(name)
    if name.lower().endswith(HTML_SUFFIXES):
        try:
            body = archive.read(name)
            if ref.details.get("kind") == "imscc":
                body = resolve_cc_links(body, name, archive.names())
            return _html(body, kind, public, csp)
        finally:
            archive.close()
    info = archive.infos[name]
    headers = _headers(public, kind, csp) | {"content-length": str(info.file_size)}
    return StreamingResponse(_entry_chunks(archive, info), headers=headers)


def _entry_chunks(archive: SafeZip, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A (possibly large) entry, media for instance, streamed rather than read whole."""
    try:
        with archive.zip.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        archive.close()
