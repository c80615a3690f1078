"""GET /api/search: the JSON face of `indexer.service.search`, documented in the OpenAPI schema.

Anonymous callers see only published, public, unembargoed items; a staff
session or token adds embargoed items (by their metadata). Facet filters
repeat their parameter for alternatives (`type=article&type=thesis`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from indexer import service
from indexer.ports import FACETS, Hit, Page, Sort
from indexer.ports import Query as SearchQuery
from web.auth import current_actor, wiring_of
from web.params import YEAR_BOUNDS, Year

router = APIRouter(prefix="/api", tags=["search"])


class SnippetOut(BaseModel):
    text: str = Field(description="A window of text around the best match, whitespace folded.")
    html: str = Field(description="The same text, HTML-escaped, each match wrapped in <mark>.")
    highlights: list[tuple[int, int]] = Field(description="[start, end) character offsets of the matches in text.")
    source: str = Field(description="fulltext, caption or abstract.")
    page: int | None = Field(None, description="The PDF page (1-based) the snippet is on, when known.")
    file_id: int | None = Field(None, description="The file whose text matched.")


class HitOut(BaseModel):
    id: str
    title: str
    type: str
    year: int | None
    authors: list[str]
    score: float | None = Field(None, description="BM25 relevance; null when sorted by a field.")
    snippet: SnippetOut | None


class FacetValueOut(BaseModel):
    value: str
    count: int = Field(description="Exact number of results with this value.")


class SearchOut(BaseModel):
    total: int = Field(description="Exact number of matching items.")
    took_ms: float = Field(description="Time the search index took, in milliseconds.")
    hits: list[HitOut]
    facets: dict[str, list[FacetValueOut]] = Field(description=f"Counts per value for: {', '.join(FACETS)}.")
    cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


Values = Annotated[list[str] | None, Query()]


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search the repository",
    description=(
        "Full-text search over metadata, extracted text and captions, in Arabic and English.\n\n"
        'Syntax: words (all must match), "exact phrase", `a OR b`, `-excluded`, `title:`, `author:`, '
        "`subject:`, `year:2019` or `year:2010-2019`, `prefix*`. A malformed query is read as plain words."
    ),
)
def search(
    request: Request,
    q: Annotated[str, Query(max_length=1000, description="The query text; empty lists everything.")] = "",
    sort: Sort = Sort.RELEVANCE,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="The cursor of the previous page.")] = None,
    community: Values = None,
    collection: Values = None,
    type_: Annotated[list[str] | None, Query(alias="type")] = None,
    language: Values = None,
    subject: Values = None,
    author: Values = None,
    license: Values = None,
    year: Annotated[list[Annotated[int, Field(**YEAR_BOUNDS)]] | None, Query()] = None,
    year_from: Year = None,
    year_to: Year = None,
    oer: bool | None = None,
    fulltext: bool | None = None,
    facets: Annotated[bool, Query(description="Compute facet counts.")] = True,
    highlight: Annotated[bool, Query(description="Cut highlighted snippets.")] = True,
) -> SearchOut:
    wiring = wiring_of(request)
    chosen = {
        "community": community,
        "collection": collection,
        "type": type_,
        "language": language,
        "subject": subject,
        "author": author,
        "license": license,
        "year": [str(y) for y in year] if year else None,
        "oer": [str(oer).lower()] if oer is not None else None,
        "fulltext": [str(fulltext).lower()] if fulltext is not None else None,
    }
    query = SearchQuery(
        text=q,
        filters={name: values for name, values in chosen.items() if values},
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
        facets=FACETS if facets else (),
        highlight=highlight,
    )
    page = service.search(
        wiring.index,
        current_actor(request),
        query,
        cursor_key=wiring.settings.secret(),
        embargoed_metadata_searchable=not wiring.settings.embargo_hides_metadata,
    )
    return to_out(page)


def to_out(page: Page) -> SearchOut:
    return SearchOut(
        total=page.total,
        took_ms=round(page.took_ms, 2),
        hits=[_hit(h) for h in page.hits],
        facets={f.name: [FacetValueOut(value=v.value, count=v.count) for v in f.values] for f in page.facets},
        cursor=page.cursor,
    )


def _hit(hit: Hit) -> HitOut:
    s = hit.snippet
    snippet = (
        SnippetOut(
            text=s.text, html=s.html(), highlights=list(s.highlights), source=s.source, page=s.page, file_id=s.file_id
        )
        if s
        else None
    )
    return HitOut(
        id=hit.id,
        title=hit.title,
        type=hit.type,
        year=hit.year,
        authors=list(hit.authors),
        score=hit.score,
        snippet=snippet,
    )
