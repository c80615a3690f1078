"""The search-index port: what every backend (tantivy embedded, OpenSearch or Elasticsearch at scale) promises.

A `Query` says what a reader asked for; `Access` says what they may see and
is added by `indexer.service.search`, so no caller can forget it. The index
only ever holds items that are published and public (sync removes the rest);
an embargoed item is held by its metadata alone and carries its embargo date,
which `Access` filters on.

Writes go through `SearchIndex.writer()`: one writer at a time (tantivy
allows a single writer per directory, across processes), committed when the
block ends, so the sync can read the database, write the index and mark the
rows indexed while no other writer interleaves.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from repository.errors import InvalidInput

if TYPE_CHECKING:
    from indexer.documents import IndexDocument

FACETS = ("community", "collection", "type", "language", "year", "subject", "author", "license", "oer", "fulltext")
FLAG_FACETS = ("oer", "fulltext")  # yes/no facets: values "true" and "false"
MAX_LIMIT = 100
MIN_YEAR, MAX_YEAR = 0, 9999
YEAR = re.compile(r"[0-9]{1,4}")  # ASCII digits: str.isdigit() would also pass "١٢" or "²"
# The deepest result an offset cursor reaches (Elasticsearch's max_result_window): an offset-based
# backend gathers offset + limit hits per search, so an unbounded offset is an unbounded allocation.
MAX_WINDOW = 10_000
MAX_CURSOR_CHARS = 4096  # an offset cursor is ~60 characters, a title sort value a few hundred
MAX_SORT_VALUES = 4  # a search-after position: the sort key and the id tiebreaker, with room to spare
_MAC_BYTES = 16


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"


@dataclass(frozen=True)
class Query:
    """A reader's search: `text` in the query syntax of `indexer.syntax`, filters by facet value.

    Values within one facet are alternatives (OR); different facets must all
    hold (AND). `cursor` continues from the page that returned it.
    """

    text: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: Sort = Sort.RELEVANCE
    limit: int = 20
    cursor: str | None = None
    facets: Sequence[str] = FACETS
    facet_size: int = 20
    highlight: bool = True

    def __post_init__(self) -> None:
        unknown = [name for name in (*self.filters, *self.facets) if name not in FACETS]
        if unknown:
            raise InvalidInput(f"unknown facet {unknown[0]!r}; known: {', '.join(FACETS)}")
        for name in FLAG_FACETS:
            if any(v not in ("true", "false") for v in self.filters.get(name, ())):
                raise InvalidInput(f"the {name} filter takes true or false")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
        if not 1 <= self.facet_size <= 1000:
            raise InvalidInput("facet_size must be between 1 and 1000")
        if "year" in self.filters and any(not YEAR.fullmatch(v) for v in self.filters["year"]):
            raise InvalidInput("year filter values must be years")
        if any(y is not None and not MIN_YEAR <= y <= MAX_YEAR for y in (self.year_from, self.year_to)):
            raise InvalidInput(f"years run from {MIN_YEAR} to {MAX_YEAR}")

    def value_filters(self) -> dict[str, list[str]]:
        """The facet filters on values (years as digits); each is a set of alternatives."""
        return {name: list(values) for name, values in self.filters.items() if values and name not in FLAG_FACETS}

    def flag_filters(self) -> dict[str, bool]:
        """The yes/no facets filtered on, and the answer wanted; asking for both answers filters nothing."""
        asked = {name: set(self.filters.get(name, ())) for name in FLAG_FACETS}
        return {name: "true" in values for name, values in asked.items() if len(values) == 1}

    def fingerprint(self) -> int:
        """What a cursor is bound to: the search itself, not the page size or the facets shown."""
        key = [self.text, sorted((k, list(v)) for k, v in self.filters.items()), self.year_from, self.year_to]
        return zlib.crc32(json.dumps([*key, self.sort.value], ensure_ascii=False).encode())

    def next_cursor(self, position: Any) -> str | None:
        """An opaque cursor for the page after `position` (an offset, or a backend's sort values).

        None when the page after would start beyond MAX_WINDOW: deeper results are not paged to.
        """
        if isinstance(position, int) and position >= MAX_WINDOW:
            return None
        raw = json.dumps({"p": position, "f": self.fingerprint()}, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def position(self) -> Any:
        """Where `cursor` says to continue, None without one; raises InvalidInput for a foreign or broken cursor.

        The position is checked for shape and size (an offset within MAX_WINDOW, or a few scalar sort
        values), so no backend is handed an offset that would make it gather millions of hits.
        """
        if not self.cursor:
            return None
        if len(self.cursor) > MAX_CURSOR_CHARS:
            raise InvalidInput("the cursor is not one this search returned")
        try:
            data = json.loads(base64.urlsafe_b64decode(self.cursor + "=" * (-len(self.cursor) % 4)))
            position, fingerprint = data["p"], int(data["f"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise InvalidInput("the cursor is not one this search returned") from exc
        if fingerprint != self.fingerprint():
            raise InvalidInput("the cursor belongs to another search; start again without it")
        _check_position(position)
        if isinstance(position, int) and position + self.limit > MAX_WINDOW:
            raise InvalidInput(f"only the first {MAX_WINDOW} results can be paged through; narrow the search")
        return position


def _check_position(position: Any) -> None:
    if isinstance(position, bool) or not isinstance(position, int | list):
        raise InvalidInput("the cursor is not one this search returned")
    if isinstance(position, int) and position < 0:
        raise InvalidInput("the cursor is not one this search returned")
    if isinstance(position, list) and (
        not 0 < len(position) <= MAX_SORT_VALUES
        or not all(
            v is None
            or (isinstance(v, int | float) and not isinstance(v, bool) and abs(v) < 2**63)
            or isinstance(v, str)
            for v in position
        )
    ):
        raise InvalidInput("the cursor is not one this search returned")


def seal_cursor(cursor: str | None, key: str) -> str | None:
    """A cursor signed with HMAC-SHA256 under `key` (the installation secret), for a client to hold."""
    if cursor is None:
        return None
    return f"{cursor}.{_b64(_cursor_mac(cursor, key))}"


def open_cursor(sealed: str | None, key: str) -> str | None:
    """The cursor inside a sealed one; raises InvalidInput for one this installation did not sign."""
    if not sealed:
        return None
    cursor, _, mac = sealed.rpartition(".")
    try:
        valid = len(sealed) <= MAX_CURSOR_CHARS and hmac.compare_digest(
            base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)), _cursor_mac(cursor, key)
        )
    except (ValueError, binascii.Error):
        valid = False
    if not cursor or not valid:
        raise InvalidInput("the cursor is not one this search returned")
    return cursor


def _cursor_mac(cursor: str, key: str) -> bytes:
    return hmac.new(key.encode(), b"search-cursor:" + cursor.encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class Access:
    """What the asker may find. Built by `indexer.service`, never by a page or route."""

    today: date
    embargoed: bool  # whether items still under embargo (indexed by metadata only) may be found


@dataclass(frozen=True)
class Snippet:
    """A window of text around the best match; `highlights` are [start, end) offsets within `text`."""

    text: str
    highlights: tuple[tuple[int, int], ...]
    source: str  # "fulltext", "caption" or "abstract"
    page: int | None = None  # the PDF page (1-based) when the text file knows its page offsets
    file_id: int | None = None  # the original file the text came from

    def html(self, tag: str = "mark") -> str:
        """The snippet as HTML: text escaped, each highlight wrapped in `tag`."""
        out, last = [], 0
        for start, end in self.highlights:
            out += [escape(self.text[last:start]), f"<{tag}>", escape(self.text[start:end]), f"</{tag}>"]
            last = end
        out.append(escape(self.text[last:]))
        return "".join(out)


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    type: str
    year: int | None
    authors: tuple[str, ...]
    score: float | None  # relevance; None when sorted by a field
    snippet: Snippet | None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int  # exact: documents of this result set with this value


@dataclass(frozen=True)
class Facet:
    name: str
    values: tuple[FacetValue, ...]

    @classmethod
    def flag(cls, name: str, yes: int, total: int) -> Facet:
        """A yes/no facet (OER, has full text) from the count of documents that have the flag."""
        values = (FacetValue("true", yes), FacetValue("false", total - yes))
        return cls(name, tuple(v for v in values if v.count))


@dataclass(frozen=True)
class Page:
    hits: tuple[Hit, ...]
    total: int  # exact number of matching documents
    facets: tuple[Facet, ...]
    cursor: str | None  # pass back in Query.cursor for the next page; None on the last page
    took_ms: float


class IndexWriter(Protocol):
    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        """Add or replace documents by item id."""
        ...

    def delete(self, item_ids: Sequence[str]) -> None: ...

    def delete_older_than(self, generation: int) -> None:
        """Remove documents written by an earlier full reindex: items the database no longer has."""
        ...


class StateKey(enum.StrEnum):
    """The keys of the bookkeeping an index keeps with itself (`load_state`); stored as their values."""

    SCHEMA = "schema"  # tantivy: the schema version its documents were written with
    GENERATION = "generation"  # documents are written under this generation; a reindex moves to the next
    REINDEX = "reindex"  # a rebuild in progress: {"generation": its generation, "after": the last item id done}


class SearchIndex(Protocol):
    def search(self, query: Query, access: Access) -> Page:
        """Run a query; a malformed query text falls back to plain words, a bad cursor raises InvalidInput."""
        ...

    def writer(self) -> AbstractContextManager[IndexWriter]:
        """The one writer; what it wrote is committed when the block ends without error.

        Raises StoreUnavailable when the index cannot be written (locked by
        another process past a timeout, or the server is down).
        """
        ...

    def embargo_lifted(self, today: date) -> list[str]:
        """Ids of documents indexed under an embargo that has ended by `today`: they need their full text."""
        ...

    def load_state(self) -> dict[str, Any]:
        """Small bookkeeping kept with the index, under `StateKey`s (the reindex generation and checkpoint)."""
        ...

    def save_state(self, state: dict[str, Any]) -> None: ...

    def count(self) -> int:
        """Documents in the index."""
        ...

    def close(self) -> None: ...
