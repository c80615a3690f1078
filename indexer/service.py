"""search(): the one way to query the index, with the reader's visibility added here.

The index holds only published, public items (the sync removes the rest);
what remains to decide per reader is the embargo. An item under embargo is
indexed by its metadata only, so its closed full text can neither match nor
show in a snippet; anonymous readers find it by that metadata unless the
repository hides embargoed records (`Settings.embargo_hides_metadata`, passed
here as `embargoed_metadata_searchable=False`). Staff always find them.

Cursors leave here signed with the installation secret (`cursor_key`) and
come back checked: a reader can only continue a search from a page this
installation served, never hand a backend a position of their own making.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from indexer.ports import MAX_WINDOW, Access, Page, Query, SearchIndex, open_cursor, seal_cursor
from repository.domain import Actor, utcnow
from repository.errors import InvalidInput


def search(
    index: SearchIndex,
    actor: Actor,
    query: Query,
    *,
    cursor_key: str,
    embargoed_metadata_searchable: bool = False,
    today: date | None = None,
) -> Page:
    """Run `query` as `actor` may see it. Raises InvalidInput for a bad cursor; a malformed text is read as words.

    `query.cursor` must be one a page signed under `cursor_key` returned; the page's cursor is signed so too.
    """
    access = Access(today=today or utcnow().date(), embargoed=actor.is_staff or embargoed_metadata_searchable)
    page = index.search(replace(query, cursor=open_cursor(query.cursor, cursor_key)), access)
    return replace(page, cursor=seal_cursor(page.cursor, cursor_key))


def at_page(query: Query, number: int, *, cursor_key: str) -> Query:
    """`query` opened at its page `number` (1 is the first), for page links; raises InvalidInput past
    the result window, like a cursor that deep would be."""
    if number < 1:
        raise InvalidInput("pages are numbered from 1")
    offset = (number - 1) * query.limit
    if offset + query.limit > MAX_WINDOW:
        raise InvalidInput(f"only the first {MAX_WINDOW} results can be paged through; narrow the search")
    return replace(query, cursor=seal_cursor(query.next_cursor(offset), cursor_key) if offset else None)
