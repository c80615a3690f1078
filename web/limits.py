"""How many bytes a request body may carry, counted as they arrive.

A Content-Length header can be checked up front, but a chunked body has
none, and `request.body()` or a form parser would buffer whatever comes. So
`BodyLimit` wraps the ASGI receive channel: it refuses a declared length over
the route's cap before reading a byte, and counts the bytes of every body as
they are received; the chunk that crosses the cap raises a 413 HTTPException
inside the app (an HTTPException, because FastAPI's body parsing turns any
other error into a 400), and the one error handler answers 413:
problem+json for the API, a page for the site. Nothing past the cap is read,
so memory stays at one chunk.

Caps by route: a route whose endpoint is marked `@takes_uploads` (the upload
API, tus, the workspace, deposit and import forms) takes `max_upload_bytes`
plus room for the form around the file; /oai takes a small form (OAI-PMH
arguments are a few hundred bytes); every other form or JSON body takes
FORM_MAX_BYTES. The mark sits on the route itself, so a new upload form
cannot be forgotten in a list kept here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from repository.errors import TooLarge
from web.errors import respond
from web.params import parse_count

OAI_MAX_BYTES = 1024 * 1024
FORM_MAX_BYTES = 4 * 1024 * 1024  # metadata forms: 100,000-character abstracts, percent-encoded Arabic
FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and the metadata fields beside an upload
Endpoint = TypeVar("Endpoint", bound=Callable[..., object])


def takes_uploads(endpoint: Endpoint) -> Endpoint:
    """Mark a route's endpoint as one that receives files: its bodies may reach the upload limit."""
    endpoint.takes_uploads = True  # type: ignore[attr-defined]
    return endpoint


def upload_paths(routes: Sequence[object]) -> list[re.Pattern[str]]:
    """The path patterns of the routes whose endpoints are marked `@takes_uploads`."""
    return [
        route.path_regex  # type: ignore[attr-defined]
        for route in routes
        if getattr(getattr(route, "endpoint", None), "takes_uploads", False)
    ]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_upload_bytes: int, uploads: Sequence[re.Pattern[str]]) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.uploads = uploads

    def cap(self, path: str) -> int:
        if path == "/oai":
            return OAI_MAX_BYTES
        if any(pattern.match(path) for pattern in self.uploads):
            return self.max_upload_bytes + FORM_OVERHEAD
        return FORM_MAX_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap(scope["path"])
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        length = parse_count(declared.decode("latin-1")) if declared is not None else 0
        if length is None or length > cap:
            # Refused before a byte of the body is read: the client learns at once, not after the upload.
            await _refuse(scope, receive, send, cap)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise HTTPException(413, _too_large(cap).message)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if received > cap:
                    message.setdefault("headers", []).append((b"connection", b"close"))
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except HTTPException:
            if started or received <= cap:
                raise
            await _refuse(scope, receive, send, cap)  # a handler that let the error through


def _too_large(cap: int) -> TooLarge:
    return TooLarge(f"the request body is larger than the limit of {cap} bytes for this address")


async def _refuse(scope: Scope, receive: Receive, send: Send, cap: int) -> None:
    response = respond(Request(scope), _too_large(cap))
    response.headers["connection"] = "close"  # the rest of the body is never read
    await response(scope, receive, send)
