"""TantivyIndex: the embedded search backend, an index directory beside the database.

Text fields hold the output of `indexer.analysis` (terms separated by
spaces, split again by tantivy's whitespace tokenizer), so indexing and
querying share one Python analysis; tantivy does the postings, BM25, phrase
positions, sorting and the facet aggregations. Facet values live in `raw`
fast fields (the two yes/no facets in one integer). The full text is also
indexed as pairs of neighbouring terms (`body_pairs`, as Elasticsearch's
`index_phrases`), so a two-word phrase is one term lookup rather than a walk
over the positions of two common words. Display data (title,
authors, abstract, the text cut into pages) is one stored JSON blob, from
which `indexer.highlight` cuts snippets.

tantivy allows one writer per directory across processes: `writer()` holds a
process lock and takes the directory lock, retrying while another process has
it, so a `reindex` from the command line and the sync loop of a running server
take turns. The writer is kept a moment after each block, so consecutive
batches share it and its segment merges run, then let go.

Reading goes through a `_View`: one generation of the index (the searcher
opened after a commit, by this process or another) and what was computed from
it — the exact total and facet counts of each search, and its pages of hits.
A commit changes `meta.json`; the next search sees that, opens a new view and
drops the old one whole, so a cached figure is always the figure the current
index gives (the cache makes counts cheap, never approximate). Counts, facets
and hits of a new search are computed side by side: tantivy lets go of the GIL.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from indexer import analysis
from indexer.documents import IndexDocument, TextPart, day_number
from indexer.highlight import QueryTerms, best_snippet, head, snippet_of
from indexer.ports import (
    FACETS,
    FLAG_FACETS,
    Access,
    Facet,
    FacetValue,
    Hit,
    Page,
    Query,
    Snippet,
    Sort,
    StateKey,
)
from indexer.syntax import Clause, Leaf, Parsed, Prefix, Words, YearRange, parse
from repository.errors import InvalidInput, StoreUnavailable

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
STATE_FILE = "mawrid-state.json"
# Field weights: titles over people and subjects over abstracts over other metadata over full text.
WEIGHTS = {"title": 4.0, "author": 2.5, "subject": 2.0, "abstract": 1.5, "other": 1.2, "body": 1.0}
TIE_BREAKER = 0.3  # a word found in several fields scores its best field plus a little of the others
FIELDS = {"title": ("title",), "author": ("author",), "subject": ("subject",), None: tuple(WEIGHTS)}
# The yes/no facets share one single-valued integer: a numeric column aggregates far faster than a list of words.
FLAG_BITS = {"oer": 1, "fulltext": 2}
FACET_FIELDS = {name: f"f_{name}" for name in FACETS if name not in FLAG_FACETS and name != "year"} | {"year": "year"}
SORTS = {
    Sort.NEWEST: ("date", tantivy.Order.Desc),
    Sort.OLDEST: ("date", tantivy.Order.Asc),
    Sort.TITLE: ("title_sort", tantivy.Order.Asc),
}
# Values each segment reports for a facet: past every distinct value a segment holds, the top values and
# their counts are exact (tantivy, like Elasticsearch, only estimates when segments truncate their lists).
# An index merged into one segment needs only the values shown.
SEGMENT_SIZE = 1_000_000
PAIR = "+"  # joins two neighbouring terms in body_pairs; analysis never leaves it inside a term
CACHE_ENTRIES = 512  # searches (and, apart, pages of hits) remembered per index generation
# Facet aggregations run here while the calling thread collects the hits (tantivy lets go of the GIL).
_AGGREGATING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mawrid-facets")


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    for name in WEIGHTS:
        b.add_text_field(name, tokenizer_name="terms", index_option="position")
    b.add_text_field("body_pairs", tokenizer_name="terms", index_option="freq")
    for field in FACET_FIELDS.values():
        if field != "year":
            b.add_text_field(field, tokenizer_name="raw", fast=True, index_option="basic")
    b.add_text_field("title_sort", tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("year", "date", "embargo", "generation", "flags"):
        b.add_integer_field(name, indexed=True, fast=True)
    b.add_bytes_field("display", stored=True)
    return b.build()


SCHEMA = _schema()


class TantivyIndex:
    def __init__(
        self,
        path: Path,
        *,
        heap_bytes: int = 128_000_000,
        lock_timeout: float = 60.0,
        idle_release: float = 2.0,
        cache_entries: int = CACHE_ENTRIES,
    ) -> None:
        self.path = path
        self.cache_entries = cache_entries
        self.heap_bytes = heap_bytes
        self.lock_timeout = lock_timeout
        self.idle_release = idle_release
        self._lock = threading.Lock()
        self._raw: Any = None  # tantivy's writer, kept between writing blocks while they come close together
        self._last_write = 0.0
        self._idle: threading.Timer | None = None
        path.mkdir(parents=True, exist_ok=True)
        self._index = self._open()
        self._index.register_tokenizer("terms", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        # Reloaded by `_current()` when meta.json changes, so a view and its caches match one searcher exactly.
        self._index.config_reader(reload_policy="manual")
        self._view_lock = threading.Lock()
        self._view = _View(None, self._index.searcher(), _Lru(0), _Lru(0))

    def _open(self) -> tantivy.Index:
        state = self.load_state()
        if tantivy.Index.exists(str(self.path)) and state.get(StateKey.SCHEMA) != SCHEMA_VERSION:
            # The index is derived data: an old layout is dropped and rebuilt by the next sync.
            log.warning("search index at %s has an old layout; it will be rebuilt", self.path)
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
        try:
            index = tantivy.Index(SCHEMA, path=str(self.path), reuse=True)
        except ValueError as exc:
            raise StoreUnavailable(f"cannot open the search index at {self.path}: {exc}") from exc
        if self.load_state().get(StateKey.SCHEMA) != SCHEMA_VERSION:
            self.save_state({StateKey.SCHEMA: SCHEMA_VERSION})
        return index

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[_Writer]:
        with self._lock:
            if self._raw is None:
                self._raw = self._acquire()
            writer = _Writer(self._raw, int(self.load_state().get(StateKey.GENERATION, 0)))
            try:
                yield writer
            except BaseException:
                self._raw.rollback()
                raise
            else:
                self._raw.commit()
            finally:
                writer.detach()
                self._release_later()
        self._index.reload()

    def _release_later(self) -> None:
        """Keep the writer for a moment: its merges run between batches, and the next batch needs no new one.

        Once idle it is let go (after its merges finish), so another process can write.
        """
        self._last_write = time.monotonic()
        if self._idle is None or not self._idle.is_alive():
            self._idle = threading.Timer(self.idle_release, self._release_if_idle)
            self._idle.daemon = True
            self._idle.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            wait = self._last_write + self.idle_release - time.monotonic()
            if wait > 0:  # written to since the timer started: look again later
                self._idle = threading.Timer(wait, self._release_if_idle)
                self._idle.daemon = True
                self._idle.start()
                return
            self._release()

    def _release(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.wait_merging_threads()  # finishes the merges, then drops the writer and its directory lock

    def _acquire(self) -> Any:
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                return self._index.writer(heap_size=self.heap_bytes)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise StoreUnavailable(f"the search index at {self.path} cannot be written: {exc}") from exc
                time.sleep(0.2)

    def load_state(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.path / STATE_FILE).read_text("utf-8")))
        except (FileNotFoundError, ValueError):
            return {}

    def save_state(self, state: dict[str, Any]) -> None:
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state), "utf-8")
        tmp.replace(self.path / STATE_FILE)

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._current().searcher.num_docs)

    def _current(self) -> _View:
        """The view of the index as last committed (by any process): a new one, with empty caches, after a commit."""
        stamp = self._stamp()
        view = self._view
        if view.stamp == stamp and stamp is not None:
            return view
        with self._view_lock:
            if self._view.stamp != stamp or stamp is None:
                # Stamp first, reload second: the searcher is never older than the stamp its caches are filed under.
                self._index.reload()
                self._view = _View(stamp, self._index.searcher(), _Lru(self.cache_entries), _Lru(self.cache_entries))
            return self._view

    def _stamp(self) -> tuple[int, int, int] | None:
        """Which commit meta.json records: tantivy replaces the file (a new inode) at each commit."""
        try:
            st = os.stat(self.path / "meta.json")
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def close(self) -> None:
        """Let go of the writer now (it is otherwise kept for `idle_release` seconds after a write)."""
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            self._release()

    def embargo_lifted(self, today: date) -> list[str]:
        q = tantivy.Query.range_query(SCHEMA, "embargo", tantivy.FieldType.Integer, 1, day_number(today))
        searcher = self._current().searcher
        found = searcher.search(q, limit=10_000, count=False).hits
        return [searcher.doc(addr)["id"][0] for _, addr in found]

    def search(self, query: Query, access: Access) -> Page:
        started = time.perf_counter()
        offset = _offset(query)
        view = self._current()
        searched = _identity(query, access)
        counts_key = (searched, tuple(query.facets), query.facet_size)
        page_key = (searched, query.sort, offset, query.limit, query.highlight)
        counted: tuple[int, tuple[Facet, ...]] | None = view.counts.get(counts_key)
        hits: tuple[Hit, ...] | None = view.pages.get(page_key)
        if counted is None or hits is None:
            parsed = parse(query.text)
            full = _with_filters(_match(parsed, query.text), query, access)
            searcher = view.searcher
            # The facet aggregation also yields the exact total, so the hits need no count of their own.
            aggregating: Future[tuple[int, tuple[Facet, ...]]] | None = None
            if counted is None and query.facets:
                aggregating = _AGGREGATING.submit(_facets, searcher, full, query)
            if hits is None:
                marks = _query_terms(parsed) if query.highlight else QueryTerms(frozenset())
                hits, total = _hits(searcher, full, query, offset, marks, count=counted is None and not aggregating)
                if counted is None and aggregating is None:
                    counted = (total, tuple(Facet(n, ()) for n in query.facets))
                view.pages.put(page_key, hits)
            if aggregating is not None:
                counted = aggregating.result()
            assert counted is not None
            view.counts.put(counts_key, counted)
        total, facets = counted
        following = offset + len(hits)
        cursor = query.next_cursor(following) if following < total and hits else None
        return Page(hits, total, facets, cursor, (time.perf_counter() - started) * 1000)


@dataclass
class _View:
    """One generation of the index: its searcher and the figures computed from it, dropped together."""

    stamp: tuple[int, int, int] | None
    searcher: Any
    counts: _Lru  # (search, facets, facet_size) → (exact total, facets)
    pages: _Lru  # (search, sort, offset, limit, highlight) → hits


class _Lru:
    """A small least-recently-used map, safe to share between the server's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _identity(query: Query, access: Access) -> Hashable:
    """Everything that decides which documents match: the text, the filters and what the reader may see."""
    filters = tuple(sorted((name, tuple(sorted(values))) for name, values in query.filters.items() if values))
    return (query.text, filters, query.year_from, query.year_to, access.today, access.embargoed)


def _hits(
    searcher: Any, full: tantivy.Query, query: Query, offset: int, marks: QueryTerms, *, count: bool
) -> tuple[tuple[Hit, ...], int]:
    """One page of hits, with the exact total when `count` (else 0)."""
    if query.sort is Sort.RELEVANCE:
        result = searcher.search(full, limit=query.limit, offset=offset, count=count)
    else:
        field, order = SORTS[query.sort]
        result = searcher.search(full, limit=query.limit, offset=offset, count=count, order_by_field=field, order=order)
    hits = tuple(
        _hit(searcher.doc(addr), float(key) if query.sort is Sort.RELEVANCE else None, marks, query.highlight)
        for key, addr in result.hits
    )
    return hits, int(result.count or 0) if count else 0  # count is None unless asked for


class _Writer:
    def __init__(self, raw: Any, generation: int) -> None:
        self._raw = raw
        self._generation = generation

    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        for doc in docs:
            self._raw.delete_documents_by_term("id", doc.id)
            self._raw.add_document(_to_tantivy(doc, self._generation))

    def delete(self, item_ids: Sequence[str]) -> None:
        for item_id in item_ids:
            self._raw.delete_documents_by_term("id", item_id)

    def delete_older_than(self, generation: int) -> None:
        older = tantivy.Query.range_query(SCHEMA, "generation", tantivy.FieldType.Integer, None, generation - 1)
        self._raw.delete_documents_by_query(older)

    def detach(self) -> None:
        """Forget tantivy's writer, so a reference the caller kept cannot write outside the block."""
        self._raw = None


# --- documents ----------------------------------------------------------------------------


def _to_tantivy(doc: IndexDocument, generation: int) -> tantivy.Document:
    d = tantivy.Document()
    d.add_text("id", doc.id)
    d.add_text("title", analysis.analysed("\n".join(doc.titles)))
    d.add_text("author", analysis.analysed("\n".join(doc.authors + doc.contributors)))
    d.add_text("subject", analysis.analysed("\n".join(doc.subjects)))
    d.add_text("abstract", analysis.analysed(doc.abstract))
    d.add_text("other", analysis.analysed(doc.other))
    body = " ".join(analysis.analysed(p.text) for p in doc.parts)
    d.add_text("body", body)
    d.add_text("body_pairs", " ".join(_pairs(body.split())))
    for name, values in (
        ("f_community", [doc.community]),
        ("f_collection", [doc.collection]),
        ("f_type", [doc.type]),
        ("f_language", [doc.language]),
        ("f_subject", doc.subjects),
        ("f_author", doc.authors),
        ("f_license", [doc.license] if doc.license else []),
    ):
        for value in dict.fromkeys(values):
            d.add_text(name, value)
    if doc.year is not None:
        d.add_integer("year", doc.year)
    d.add_integer("date", doc.date)
    d.add_integer("embargo", doc.embargo)
    d.add_integer("generation", generation)
    d.add_integer("flags", FLAG_BITS["oer"] * doc.oer + FLAG_BITS["fulltext"] * doc.fulltext)
    d.add_text("title_sort", doc.title_sort)
    display = {
        "title": doc.title,
        "type": doc.type,
        "year": doc.year,
        "authors": doc.authors,
        "abstract": doc.abstract,
        "parts": [[p.text, p.source, p.file_id, p.page] for p in doc.parts],
    }
    d.add_bytes("display", json.dumps(display, ensure_ascii=False).encode())
    return d


def _pairs(terms: Sequence[str]) -> Iterator[str]:
    """Each term joined to the next, as body_pairs indexes them."""
    return map(PAIR.join, zip(terms, terms[1:], strict=False))


def _hit(stored: Any, score: float | None, marks: QueryTerms, highlight: bool) -> Hit:
    display = json.loads(stored["display"][0])
    snippet: Snippet | None = None
    if highlight:
        parts = [TextPart(*p) for p in display["parts"]]
        snippet = (
            best_snippet(parts, marks)
            or snippet_of(display["abstract"], marks, "abstract")
            or head(display["abstract"], "abstract")
        )
    return Hit(
        stored["id"][0], display["title"], display["type"], display["year"], tuple(display["authors"]), score, snippet
    )


# --- queries ------------------------------------------------------------------------------


def _match(parsed: Parsed, text: str) -> tantivy.Query:
    """The query tree as tantivy queries; nothing searchable in a non-empty text matches nothing."""
    must = [q for c in parsed.clauses if not c.negated and (q := _clause(c)) is not None]
    must_not = [q for c in parsed.clauses if c.negated and (q := _clause(c)) is not None]
    if not must and not must_not:
        return tantivy.Query.empty_query() if text.strip() else tantivy.Query.all_query()
    if not must:
        must = [tantivy.Query.all_query()]
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, q) for q in must] + [(tantivy.Occur.MustNot, q) for q in must_not]
    )


def _clause(clause: Clause) -> tantivy.Query | None:
    options = [q for leaf in clause.options if (q := _leaf(leaf)) is not None]
    if len(options) <= 1:
        return options[0] if options else None
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in options])


def _leaf(leaf: Leaf) -> tantivy.Query | None:
    if isinstance(leaf, YearRange):
        return tantivy.Query.range_query(SCHEMA, "year", tantivy.FieldType.Integer, leaf.lo, leaf.hi)
    fields = FIELDS[leaf.field]
    if isinstance(leaf, Prefix):
        prefix = analysis.prefix_term(leaf.text)
        per_field = [tantivy.Query.regex_query(SCHEMA, f, prefix + ".*") for f in fields]
    else:
        terms = analysis.terms(leaf.text)
        if not terms:
            return None
        per_field = [_words(f, terms) for f in fields]
    if len(per_field) == 1:
        return per_field[0]
    boosted = [tantivy.Query.boost_query(q, WEIGHTS[f]) for q, f in zip(per_field, fields, strict=True)]
    return tantivy.Query.disjunction_max_query(boosted, tie_breaker=TIE_BREAKER)


def _words(field: str, terms: list[str]) -> tantivy.Query:
    """One word, or a phrase; in the full text a two-word phrase is the one pair term that holds it."""
    if len(terms) == 1:
        return tantivy.Query.term_query(SCHEMA, field, terms[0])
    if field == "body" and len(terms) == 2:
        return tantivy.Query.term_query(SCHEMA, "body_pairs", next(_pairs(terms)))
    return tantivy.Query.phrase_query(SCHEMA, field, list[str | tuple[int, str]](terms))


def _query_terms(parsed: Parsed) -> QueryTerms:
    exact: set[str] = set()
    prefixes: list[str] = []
    for clause in parsed.positive:
        for leaf in clause.options:
            if isinstance(leaf, Words):
                exact.update(analysis.terms(leaf.text))
            elif isinstance(leaf, Prefix):
                prefixes.append(analysis.prefix_term(leaf.text))
    return QueryTerms(frozenset(exact), tuple(prefixes))


def _with_filters(match: tantivy.Query, query: Query, access: Access) -> tantivy.Query:
    filters: list[tantivy.Query] = []
    if not access.embargoed:  # embargo 0: none; else the day it ends
        filters.append(
            tantivy.Query.range_query(SCHEMA, "embargo", tantivy.FieldType.Integer, None, day_number(access.today))
        )
    for name, wanted in query.flag_filters().items():
        bit = FLAG_BITS[name]
        filters.append(tantivy.Query.term_set_query(SCHEMA, "flags", [v for v in range(4) if bool(v & bit) == wanted]))
    for name, values in query.value_filters().items():
        terms = [tantivy.Query.term_query(SCHEMA, FACET_FIELDS[name], int(v) if name == "year" else v) for v in values]
        filters.append(
            terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        )
    if query.year_from is not None or query.year_to is not None:
        filters.append(
            tantivy.Query.range_query(SCHEMA, "year", tantivy.FieldType.Integer, query.year_from, query.year_to)
        )
    if not filters:
        return match
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, match)] + [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    )


def _facets(searcher: Any, full: tantivy.Query, query: Query) -> tuple[int, tuple[Facet, ...]]:
    """The exact total and the counts per facet value, in one aggregation pass.

    Every segment reports every value, so counts are exact; every document holds one `flags` value,
    so their buckets add up to the total.
    """
    segment_size = query.facet_size if searcher.num_segments == 1 else SEGMENT_SIZE
    aggs = {name: _terms_agg(name, query.facet_size, segment_size) for name in query.facets if name not in FLAG_FACETS}
    aggs["flags"] = {"terms": {"field": "flags", "size": 4}}
    result = searcher.aggregate(full, aggs)
    flags = {int(b["key"]): int(b["doc_count"]) for b in result["flags"]["buckets"]}
    total = sum(flags.values())
    facets = []
    for name in query.facets:
        if name in FLAG_FACETS:
            bit = FLAG_BITS[name]
            facets.append(Facet.flag(name, sum(n for key, n in flags.items() if key & bit), total))
        else:
            buckets = result[name]["buckets"] if total else []
            facets.append(Facet(name, tuple(FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets)))
    return total, tuple(facets)


def _terms_agg(name: str, size: int, segment_size: int) -> dict[str, Any]:
    terms: dict[str, Any] = {"field": FACET_FIELDS[name], "size": size, "segment_size": segment_size}
    if name == "year":
        terms["order"] = {"_key": "desc"}
        terms["size"] = terms["segment_size"] = 1000  # every year: the page groups them into ranges
    return {"terms": terms}


def _offset(query: Query) -> int:
    position = query.position()
    if position is None:
        return 0
    if not isinstance(position, int) or position < 0:
        raise InvalidInput("the cursor is not one this search returned")
    return position
