"""What crawlers and feed readers fetch: sitemaps, robots.txt, Atom feeds, OpenSearch.

Sitemaps and feeds list the items anyone may see (the same rule as every
public listing: `catalog.listed_clause`): embargoed items too, by their
metadata, unless the operator set `embargo_hides_metadata`.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import ColumnElement, func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Collection, Item, utcnow
from repository.errors import NotFound
from web import catalog
from web.auth import wiring_of
from web.courses import catalog as course_catalog
from web.params import RowId
from web.templating import env

router = APIRouter(include_in_schema=False)
SITEMAP_SIZE = 10_000  # below the protocol's 50,000 URLs per file
FEED_SIZE = 50


def _xml(request: Request, template: str, media_type: str, **context: object) -> Response:
    base = wiring_of(request).settings.base_url.rstrip("/")
    body = env.get_template(template).render(
        base_url=base, site_name=wiring_of(request).settings.repository_name, **context
    )
    return Response(body, media_type=media_type)


def _hides(request: Request) -> bool:
    return wiring_of(request).settings.embargo_hides_metadata


def _listed(request: Request, today: date) -> ColumnElement[bool]:
    return catalog.listed_clause(today, embargo_hides_metadata=_hides(request))


@router.get("/robots.txt")
def robots(request: Request) -> Response:
    base = wiring_of(request).settings.base_url.rstrip("/")
    lines = [
        "User-agent: *",
        "Disallow: /workspace",
        "Disallow: /admin",
        "Disallow: /login",
        "Disallow: /api/",
        "Disallow: /search",
        "Disallow: /lang/",
        "Allow: /",
        "",
        f"Sitemap: {base}/sitemap.xml",
        "",
    ]
    return PlainTextResponse("\n".join(lines))


@router.get("/sitemap.xml")
def sitemap_index(request: Request) -> Response:
    today = utcnow().date()
    with reading(wiring_of(request).engine) as conn:
        count, newest = conn.execute(
            select(func.count(), func.max(t.items.c.datestamp)).where(_listed(request, today))
        ).one()
    pages = max(1, -(-int(count) // SITEMAP_SIZE))
    return _xml(request, "sitemap_index.xml", "application/xml", pages=range(1, pages + 1), newest=newest)


@router.get("/sitemap-pages.xml")
def sitemap_pages(request: Request) -> Response:
    with reading(wiring_of(request).engine) as conn:
        paths = ["/", "/about", "/browse", *(f"/browse/{f}" for f in ("title", "author", "subject", "year", "type"))]
        paths += [f"/communities/{c.id}" for c in records.list_communities(conn)]
        paths += [f"/collections/{c.id}" for c in records.list_collections(conn)]
        paths += ["/courses", *(f"/courses/{e.item.id}" for e in course_catalog.public_courses(conn, utcnow().date()))]
    return _xml(request, "sitemap_pages.xml", "application/xml", paths=paths)


@router.get("/sitemap-items-{number}.xml")
def sitemap_items(request: Request, number: RowId) -> Response:
    today = utcnow().date()
    with reading(wiring_of(request).engine) as conn:
        rows = conn.execute(
            select(t.items.c.id, t.items.c.datestamp)
            .where(_listed(request, today))
            .order_by(t.items.c.id)
            .limit(SITEMAP_SIZE)
            .offset((number - 1) * SITEMAP_SIZE)
        ).all()
    if number < 1 or (not rows and number > 1):
        raise NotFound(f"no sitemap page {number}")
    return _xml(request, "sitemap_items.xml", "application/xml", rows=rows)


@router.get("/feed.atom")
def site_feed(request: Request) -> Response:
    with reading(wiring_of(request).engine) as conn:
        items, _ = catalog.public_items(conn, utcnow().date(), embargo_hides_metadata=_hides(request), limit=FEED_SIZE)
    return _feed(request, items, None, "/feed.atom")


@router.get("/collections/{collection_id}/feed.atom")
def collection_feed(request: Request, collection_id: str) -> Response:
    with reading(wiring_of(request).engine) as conn:
        collection = records.load_collection(conn, collection_id)
        items, _ = catalog.public_items(
            conn, utcnow().date(), embargo_hides_metadata=_hides(request), collection_id=collection.id, limit=FEED_SIZE
        )
    return _feed(request, items, collection, f"/collections/{collection.id}/feed.atom")


def _feed(request: Request, items: list[Item], collection: Collection | None, path: str) -> Response:
    updated = max((i.datestamp for i in items), default=utcnow())
    return _xml(
        request,
        "feed.atom.xml",
        "application/atom+xml",
        items=items,
        collection=collection,
        feed_path=path,
        updated=updated,
    )


@router.get("/opensearch.xml")
def opensearch(request: Request) -> Response:
    return _xml(request, "opensearch.xml", "application/opensearchdescription+xml")
