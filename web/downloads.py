"""Serving stored files: Range, ETag, Content-Disposition, and no active content on our origin.

Used by the item pages and the API alike. A file's bytes never change (the
store is content-addressed), so its sha256 is a strong ETag. Uploaded HTML,
SVG, XML and anything not known to be passive is sent as an attachment with
a sandboxing Content-Security-Policy: a hostile upload cannot run script
with the site's cookies (RFC 6266 for the filename, RFC 9110 §14 for ranges).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from repository.domain import FileRef
from repository.objects.ports import CHUNK, ObjectStore

# Types a browser shows without running anything of the file's own.
PASSIVE = re.compile(
    r"^(application/pdf|image/(png|jpeg|gif|webp|avif|bmp)|audio/[\w.+-]+|video/[\w.+-]+|text/plain|text/vtt)$"
)
ACTIVE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
PASSIVE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
CHARSET = re.compile(r"charset=([A-Za-z0-9_.:-]+)", re.IGNORECASE)
RANGE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")  # ASCII digits that fit 64 bits


def content_type(ref: FileRef) -> str:
    """The Content-Type to serve: text gets one charset, the one stored with it (derivatives say utf-8) or utf-8."""
    mime = ref.media_type
    if mime.startswith("text/"):
        charset = CHARSET.search(ref.mime.partition(";")[2])
        return f"{mime}; charset={charset.group(1) if charset else 'utf-8'}"
    return mime


def is_passive(ref: FileRef) -> bool:
    return bool(PASSIVE.match(ref.media_type))


def content_disposition(name: str, inline: bool) -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name (RFC 8187)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in name) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end exclusive) of a single byte range, None for the whole file, 'unsatisfiable'."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if not match:
        return None  # multiple or malformed ranges: RFC 9110 lets us send the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        return "unsatisfiable"
    return start, end


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := fh.read(CHUNK):
            yield chunk
    finally:
        fh.close()


def serve_file(
    request: Request, store: ObjectStore, ref: FileRef, *, public: bool, extra_headers: dict[str, str] | None = None
) -> Response:
    etag = f'"{ref.sha256}"'
    passive = is_passive(ref)
    headers = {
        "etag": etag,
        "accept-ranges": "bytes",
        "content-disposition": content_disposition(ref.name, inline=passive),
        "content-security-policy": PASSIVE_CSP if passive else ACTIVE_CSP,
        "x-frame-options": "SAMEORIGIN",
        # Public bytes under a file id never change; restricted ones must not sit in shared caches.
        "cache-control": "public, max-age=86400" if public else "private, no-store",
        **(extra_headers or {}),
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")] or (
        request.headers.get("if-none-match", "").strip() == "*"
    ):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), ref.size)
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's partial copy is of another version: send everything
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers=headers | {"content-range": f"bytes */{ref.size}"})
    start, end = wanted if isinstance(wanted, tuple) else (0, ref.size)
    status = 206 if isinstance(wanted, tuple) else 200
    headers["content-length"] = str(end - start)
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end - 1}/{ref.size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=content_type(ref))
    fh = store.open(ref.key, start, end)  # opened first, so a missing object is a clean error, not a cut body
    return StreamingResponse(_chunks(fh), status_code=status, headers=headers, media_type=content_type(ref))
