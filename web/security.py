"""Headers every response carries, and the language every request is served in.

A plain ASGI middleware (not BaseHTTPMiddleware) so streamed downloads pass
through untouched. Responses that set their own Content-Security-Policy
(downloads of uploaded files) keep it.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import i18n

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts anywhere; JSON-LD data blocks are not scripts
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self'",
        "frame-src 'self'",  # the item page shows its own PDFs in the browser's viewer
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}


class EdgeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(i18n.QUERY, [None])[-1]
        cookie = _cookie(headers.get("cookie", ""), i18n.COOKIE)
        lang = i18n.negotiate(cookie, headers.get("accept-language"), asked)
        scope.setdefault("state", {})["lang"] = lang
        await self.app(scope, receive, _with_headers(lang, send))


def _cookie(header: str, name: str) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:  # a malformed cookie header is the client's problem, not a 500
        return None
    return cookies[name].value if name in cookies else None


def _with_headers(lang: str, send: Send) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            out = MutableHeaders(scope=message)
            for name, value in HEADERS.items():
                out.setdefault(name, value)
            if "content-security-policy" not in out:
                out["content-security-policy"] = PAGE_CSP
                out.setdefault("x-frame-options", "DENY")
            if out.get("content-type", "").startswith("text/html"):
                out.setdefault("content-language", lang)
                out.add_vary_header("Accept-Language")
                out.add_vary_header("Cookie")
        await send(message)

    return send_with_headers
