"""Jinja2 rendering in the request's language.

One environment for the whole app; gettext callables are passed per render
(not installed globally), so concurrent requests in different languages never
share a translation. Templates use the new-style `_("… %(name)s", name=…)`.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from repository.domain import FileRole, Item
from web import auth, i18n
from web.views import labels

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.newstyle_gettext = True  # type: ignore[attr-defined]


@cache
def static_url(path: str) -> str:
    """The static file's URL with a content hash, so browsers may cache it for long."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def _translators(lang: str) -> dict[str, Any]:
    catalog = i18n.translations(lang)

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text = catalog.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogs; the variables are escaped by %
        return text % variables if variables else text

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        text = catalog.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogs; the variables are escaped by %
        return text % variables

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


def pick(values: list[dict[str, Any]] | None, lang: str) -> dict[str, Any] | None:
    """The language string in the reader's language if there is one, else the first."""
    if not values:
        return None
    return next((v for v in values if v.get("lang") == lang), values[0])


def here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def context_for(request: Request) -> dict[str, Any]:
    lang: str = getattr(request.state, "lang", i18n.DEFAULT)
    wiring = auth.wiring_of(request)
    return {
        "request": request,
        "lang": lang,
        "dir": i18n.direction(lang),
        "other_lang": "en" if lang == "ar" else "ar",
        "language_names": i18n.NAMES,
        "user": auth.current_user(request),
        "csrf_token": auth.LazyCsrfToken(request),
        "flashes": auth.take_flashes(request) if "session" in request.scope else [],
        "here": here(request),
        "here_quoted": quote(here(request), safe=""),
        "alternates": i18n.alternates(wiring.settings.base_url, request.url.path, request.url.query),
        "site_name": wiring.settings.repository_name,
        "base_url": wiring.settings.base_url.rstrip("/"),
        "job_labels": json.dumps(
            {code: i18n.gettext(lang, labels.STATUSES[code]) for code in ("queued", "running", "done", "failed")},
            ensure_ascii=False,
        ),
        "say": lambda message: i18n.say(lang, message),
        "field_name": lambda path: labels.field_name(path, lang),
        **_translators(lang),
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = "text/html",
) -> HTMLResponse:
    full = context_for(request) | (context or {})
    body = env.get_template(name).render(full)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    if media_type != "text/html":
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
    return response


def render_bare(name: str, lang: str, context: dict[str, Any]) -> str:
    """A page for the package origin (the course player): the language's strings, and no session, user or site menu."""
    return env.get_template(name).render({"lang": lang, "dir": i18n.direction(lang), **_translators(lang), **context})


def has_thumbnail(item: Item) -> bool:
    return any(f.role is FileRole.THUMBNAIL for f in item.files)


env.globals.update(
    static_url=static_url,
    direction=i18n.direction,
    pick=pick,
    has_thumbnail=has_thumbnail,
    TYPES=labels.TYPES,
    STATUSES=labels.STATUSES,
    ROLES=labels.ROLES,
    RELATIONS=labels.RELATIONS,
    language_name=labels.language_name,
    format_name=labels.format_name,
)
env.filters.update(
    show_date=lambda value, lang: i18n.show_date(value, lang),
    show_number=lambda value, lang: i18n.show_number(value, lang),
    show_size=lambda value, lang: i18n.show_size(value, lang),
    urlquote=lambda value: quote(str(value), safe=""),
)


def jsonld_script(data: dict[str, Any]) -> Markup:
    """The JSON for a <script type="application/ld+json"> block, safe against `</script>` in values."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - every <, > and & is escaped as JSON above
