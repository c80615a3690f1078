"""The one handler for errors: problem+json for the API, a helpful page for the site.

MawridError subclasses carry their HTTP status; framework errors (unknown
route, bad parameters) and unexpected exceptions are mapped here too, so a
client of /api never receives an HTML error and a reader never a JSON one.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from repository.errors import Gone, InvalidInput, InvalidMetadata, MawridError, NotFound, TooLarge, Unauthorized
from web.auth import LOGIN_PATH, local_target
from web.templating import render

log = logging.getLogger(__name__)


class MethodNotAllowed(MawridError):
    """A route asked with a method it does not answer (Starlette's 405)."""

    http_status, exit_code, slug = 405, 4, "method-not-allowed"


class InvalidRequest(InvalidInput):
    """Parameters or a body that do not fit the route's declared types (FastAPI's validation, RFC 9110 422)."""

    http_status = 422


# The framework's own refusals, as the error each one is. Starlette raises only these (the body cap
# of web/limits.py the 413); anything else is a bug of ours, answered as one.
FRAMEWORK_ERRORS: dict[int, type[MawridError]] = {
    400: InvalidInput,
    404: NotFound,
    405: MethodNotAllowed,
    413: TooLarge,
}


def problem(exc: MawridError, instance: str = "") -> dict[str, object]:
    """RFC 9457 problem details for an error."""
    body: dict[str, object] = {
        "type": f"https://mawrid.example/problems/{exc.slug}",
        "title": exc.slug.replace("-", " "),
        "status": exc.http_status,
        "detail": exc.message,
    }
    if instance:
        body["instance"] = instance
    if isinstance(exc, InvalidMetadata) and exc.errors:
        body["errors"] = exc.errors
    if isinstance(exc, Gone) and exc.details.get("reason"):
        body["reason"] = exc.details["reason"]
    return body


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api") or ("application/json" in accept and "text/html" not in accept)


def respond(request: Request, exc: MawridError) -> Response:
    headers: dict[str, str] = {}
    if getattr(exc, "retry_after", None):
        headers["retry-after"] = str(exc.retry_after)  # type: ignore[attr-defined]
    if wants_json(request):
        if isinstance(exc, Unauthorized):
            headers["www-authenticate"] = 'Bearer realm="mawrid"'
        return JSONResponse(
            problem(exc, request.url.path),
            status_code=exc.http_status,
            media_type="application/problem+json",
            headers=headers,
        )
    if isinstance(exc, Unauthorized) and request.method == "GET" and request.url.path != LOGIN_PATH:
        target = local_target(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)
    return render(request, "error.html", {"error": exc}, status_code=exc.http_status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(MawridError)
    async def _mawrid(request: Request, exc: MawridError) -> Response:
        return respond(request, exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            error: MawridError = NotFound(f"nothing at {request.url.path}")
        else:
            error = FRAMEWORK_ERRORS.get(exc.status_code, MawridError)(str(exc.detail))
        response = respond(request, error)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields: dict[str, Any] = {".".join(str(p) for p in e["loc"] if p != "body"): e["msg"] for e in exc.errors()}
        error = InvalidRequest("invalid request — " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        response = respond(request, error)
        if wants_json(request):
            body = problem(error, request.url.path) | {"errors": fields}
            return JSONResponse(body, status_code=422, media_type="application/problem+json")
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, MawridError("an unexpected error occurred; it has been logged"))
