"""The search results page: query, facets, highlights, sort and pagination.

The page only parses parameters into a `Query`; `indexer.service.search`
adds what the reader may see. Pages continue by the index's opaque cursor;
`start` only numbers the results shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import URL, QueryParams

from indexer.ports import FACETS, FLAG_FACETS, MAX_WINDOW, YEAR, Page, Query, Sort
from indexer.service import at_page, search
from repository.courses.service import lesson_for_hit
from repository.db import records
from repository.db.uow import reading
from repository.errors import InvalidInput
from web import i18n
from web.auth import current_actor, wiring_of
from web.i18n import N_
from web.params import parse_count
from web.templating import render
from web.views.labels import BROWSE_FIELDS, TYPES, collection_label, language_name, license_label, license_name
from web.views.paging import Pager

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
FACET_SHOWN = 6  # values listed before a facet's "more" fold
SHOWN_FACETS = ("type", "community", "collection", "year", "language", "author", "subject", "license", "fulltext")
FACET_TITLES = {
    "type": N_("Type"),
    "community": N_("Faculty"),
    "collection": N_("Collection"),
    "year": N_("Year"),
    "language": N_("Language"),
    "author": N_("Author"),
    "subject": N_("Subject"),
    "license": N_("Licence"),
    "oer": N_("Open educational resource"),
    "fulltext": N_("Full text"),
}
SORT_OPTIONS = [
    ("relevance", N_("Relevance")),
    ("newest", N_("Newest first")),
    ("oldest", N_("Oldest first")),
    ("title", N_("Title")),
]


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str
    count: int
    selected: bool
    href: str


def query_from(url: URL) -> Query:
    params = QueryParams(url.query)
    filters = {name: params.getlist(name) for name in FACETS if params.getlist(name)}
    sort = params.get("sort") or ("relevance" if params.get("q") else "newest")
    try:
        return Query(
            text=params.get("q", "").strip()[:500],
            filters=filters,
            year_from=_year(params.get("year_from")),
            year_to=_year(params.get("year_to")),
            sort=Sort(sort),
            limit=PER_PAGE,
            cursor=params.get("cursor") or None,
        )
    except ValueError as exc:
        raise InvalidInput(f"unknown sort order {sort!r}") from exc


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not YEAR.fullmatch(value.strip()):
        raise InvalidInput(f"{value!r} is not a year")
    return int(value)


def _href(
    url: URL, drop: tuple[str, ...] = (), add: tuple[tuple[str, str], ...] = (), remove: tuple[str, str] | None = None
) -> str:
    params = [
        (k, v)
        for k, v in QueryParams(url.query).multi_items()
        if k not in drop and k not in ("cursor", "start", "page") and (k, v) != remove
    ]
    params += list(add)
    return "/search" + (f"?{urlencode(params)}" if params else "")


def facet_label(name: str, value: str, lang: str, names: dict[str, str]) -> str:
    if name == "type":
        return i18n.gettext(lang, TYPES.get(value, value))
    if name == "language":
        return language_name(value, lang)
    if name in ("community", "collection"):
        return names.get(value, value)
    if name in FLAG_FACETS:
        return i18n.gettext(lang, N_("Yes") if value == "true" else N_("No"))
    if name == "license":
        recorded = {"label": names[value]} if value in names else {}
        return license_label({"uri": value, **recorded}) or value
    return value


def _unnamed_licenses(page: Page) -> list[str]:
    """Licence URIs in the facet that have no well-known name, whose recorded labels are looked up."""
    return [v.value for f in page.facets if f.name == "license" for v in f.values if not license_name(v.value)]


def facet_links(
    page: Page, query: Query, url: URL, lang: str, names: dict[str, str]
) -> list[tuple[str, list[FacetLink]]]:
    shown = []
    for facet in sorted(page.facets, key=lambda f: SHOWN_FACETS.index(f.name) if f.name in SHOWN_FACETS else 99):
        if facet.name not in SHOWN_FACETS or not facet.values:
            continue
        chosen = set(query.filters.get(facet.name, ()))
        links = [
            FacetLink(
                v.value,
                facet_label(facet.name, v.value, lang, names),
                v.count,
                v.value in chosen,
                _href(url, remove=(facet.name, v.value))
                if v.value in chosen
                else _href(url, add=((facet.name, v.value),)),
            )
            for v in facet.values
        ]
        links.sort(key=lambda link: not link.selected)  # a chosen value never hides under "more"
        shown.append((facet.name, links))
    return shown


def run_search(request: Request, query: Query) -> Page:
    wiring = wiring_of(request)
    return search(
        wiring.index,
        current_actor(request),
        query,
        cursor_key=wiring.settings.secret(),
        embargoed_metadata_searchable=not wiring.settings.embargo_hides_metadata,
    )


@router.get("/search")
def search_page(request: Request) -> Response:
    query = query_from(request.url)
    lang: str = request.state.lang
    number = parse_count(request.query_params.get("page", "") or "1")
    if number is None:
        raise InvalidInput("the page number must be a whole number")
    if not query.cursor:  # a numbered page; a cursor (an older link, or the API's) continues as it says
        query = at_page(query, number, cursor_key=wiring_of(request).settings.secret())
    page = run_search(request, query)
    with reading(wiring_of(request).engine) as conn:
        communities = {c.id: c for c in records.list_communities(conn)}
        names = {c.id: c.name(lang) for c in communities.values()}
        # A collection is shown with its faculty: several faculties have a "Theses" or "Journals" collection.
        names |= {
            c.id: collection_label(c, communities.get(c.community_id), lang) for c in records.list_collections(conn)
        }
        names |= records.license_labels(conn, _unnamed_licenses(page))
        lessons = {
            hit.id: found
            for hit in page.hits
            if hit.type == "course"
            and hit.snippet is not None
            and (found := lesson_for_hit(conn, hit.id, hit.snippet.file_id, hit.snippet.page))
        }
    pager = Pager.of(request.url, number, min(page.total, MAX_WINDOW), PER_PAGE)
    if query.cursor and "page" not in request.query_params:  # continuing a cursor: `start` numbers its rows
        start = min(MAX_WINDOW, parse_count(request.query_params.get("start", "")) or 1)
    else:
        start = (number - 1) * PER_PAGE + 1
    chosen: list[dict[str, Any]] = [
        {"name": name, "label": facet_label(name, value, lang, names), "href": _href(request.url, remove=(name, value))}
        for name, values in query.filters.items()
        for value in values
    ]
    context = {
        "query": query,
        "page": page,
        "lessons": lessons,
        "facets": facet_links(page, query, request.url, lang, names),
        "facet_titles": FACET_TITLES,
        "facet_shown": FACET_SHOWN,
        "browse_fields": BROWSE_FIELDS,
        "chosen": chosen,
        "start": start,
        "end": start + len(page.hits) - 1,
        "pager": pager,
        "max_window": MAX_WINDOW,
        "sort_options": SORT_OPTIONS,
        "hidden_params": [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "cursor", "start", "q", "page")
        ],
    }
    return render(request, "search.html", context, headers={"x-robots-tag": "noindex"})
