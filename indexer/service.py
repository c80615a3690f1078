"""search(): the one way to query the index, with the reader's visibility added here.

The index holds only published, public items (the sync removes the rest);
what remains to decide per reader is the embargo. Anonymous readers never
see an item under embargo unless the repository allows its metadata to be
found (`embargoed_metadata_searchable`); even then only its metadata was
indexed, so its closed full text cannot match or show in a snippet. Staff
see embargoed items by their metadata too.
"""

from __future__ import annotations

from datetime import date

from indexer.ports import Access, Page, Query, SearchIndex
from repository.domain import Actor, utcnow


def search(
    index: SearchIndex,
    actor: Actor,
    query: Query,
    *,
    embargoed_metadata_searchable: bool = False,
    today: date | None = None,
) -> Page:
    """Run `query` as `actor` may see it. Raises InvalidInput for a bad cursor; a malformed text is read as words."""
    access = Access(today=today or utcnow().date(), embargoed=actor.is_staff or embargoed_metadata_searchable)
    return index.search(query, access)
