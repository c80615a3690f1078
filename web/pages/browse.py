"""Browse indexes by title, author, subject, year and type, with an A–Z / ا–ي jump bar."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from repository.domain import utcnow
from repository.errors import NotFound
from web import catalog
from web.auth import wiring_of
from web.templating import render
from web.views.labels import BROWSE_FIELDS
from web.views.paging import Pager

router = APIRouter(include_in_schema=False)
JUMP_FIELDS = {"title", "author", "subject"}


@router.get("/browse")
def browse_home(request: Request) -> Response:
    return render(request, "browse_home.html", {"fields": BROWSE_FIELDS})


@router.get("/browse/{field}")
def browse(request: Request, field: str, letter: str = "", value: str | None = None, page: int = 1) -> Response:
    if field not in BROWSE_FIELDS:
        raise NotFound(f"no browse index {field!r}")
    entries = request.app.state.browse.entries(wiring_of(request).engine, utcnow().date())
    context: dict[str, object] = {"field": field, "fields": BROWSE_FIELDS, "letter": letter, "value": value}
    if field == "title" or value is not None:
        chosen = entries if field == "title" else catalog.entries_with(entries, field, value or "")
        if letter and field == "title":
            chosen = [e for e in chosen if catalog.letter_of(e.sort_key) == letter]
        pager = Pager.of(request.url, page, len(chosen), per_page=25)
        context |= {"entries": chosen[pager.offset : pager.offset + pager.per_page], "pager": pager}
    else:
        values = catalog.values_of(entries, field)
        if letter and field in JUMP_FIELDS:
            values = [v for v in values if catalog.letter_of(catalog.sort_key(v[0])) == letter]
        pager = Pager.of(request.url, page, len(values), per_page=60)
        context |= {"values": values[pager.offset : pager.offset + pager.per_page], "pager": pager}
    if field in JUMP_FIELDS and value is None:
        context |= {"arabic_letters": catalog.ARABIC_LETTERS, "latin_letters": catalog.LATIN_LETTERS}
    return render(request, "browse.html", context)
