"""The public front: home, communities, collections, about, and the language switch."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from repository.db import records
from repository.db.uow import reading
from repository.domain import utcnow
from web import catalog, i18n
from web.auth import local_target, wiring_of
from web.templating import render
from web.views.paging import Pager

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    today, hides = utcnow().date(), wiring_of(request).settings.embargo_hides_metadata
    with reading(wiring_of(request).engine) as conn:
        communities = catalog.communities_with_counts(conn, today, embargo_hides_metadata=hides)
        recent, total = catalog.public_items(conn, today, embargo_hides_metadata=hides, limit=6)
    return render(request, "home.html", {"communities": communities, "recent": recent, "total": total})


@router.get("/communities/{community_id}")
def community(request: Request, community_id: str) -> Response:
    today, hides = utcnow().date(), wiring_of(request).settings.embargo_hides_metadata
    with reading(wiring_of(request).engine) as conn:
        found = records.load_community(conn, community_id)
        view = next(
            v
            for v in catalog.communities_with_counts(conn, today, embargo_hides_metadata=hides)
            if v.community.id == found.id
        )
    return render(request, "community.html", {"view": view})


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str, page: int = 1, sort: str = "newest") -> Response:
    today, hides = utcnow().date(), wiring_of(request).settings.embargo_hides_metadata
    with reading(wiring_of(request).engine) as conn:
        found = records.load_collection(conn, collection_id)
        parent = records.load_community(conn, found.community_id)
        _, total = catalog.public_items(conn, today, embargo_hides_metadata=hides, collection_id=found.id, limit=0)
        pager = Pager.of(request.url, page, total)
        items, _ = catalog.public_items(
            conn,
            today,
            embargo_hides_metadata=hides,
            collection_id=found.id,
            limit=pager.per_page,
            offset=pager.offset,
            newest_first=sort != "oldest",
        )
    return render(
        request,
        "collection.html",
        {"collection": found, "community": parent, "items": items, "pager": pager, "sort": sort},
        headers={"link": f'</collections/{found.id}/feed.atom>; rel="alternate"; type="application/atom+xml"'},
    )


@router.get("/about")
def about(request: Request) -> Response:
    return render(request, "about.html")


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Remember the reader's language and return to the page they were on."""
    if code not in i18n.LANGUAGES:
        code = i18n.DEFAULT
    target = urlsplit(local_target(next, "/"))
    query = urlencode([(k, v) for k, v in parse_qsl(target.query, keep_blank_values=True) if k != i18n.QUERY])
    # Back to the page in the chosen language: a ?lang= left in the address would override the choice.
    response = RedirectResponse(target.path + (f"?{query}" if query else ""), status_code=303)
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
