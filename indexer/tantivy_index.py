"""TantivyIndex: the embedded search backend, an index directory beside the database.

Text fields hold the output of `indexer.analysis` (terms separated by
spaces, split again by tantivy's whitespace tokenizer), so indexing and
querying share one Python analysis; tantivy does the postings, BM25, phrase
positions, sorting and the facet aggregations. Facet values live in `raw`
fast fields (the two yes/no facets in one integer). Display data (title,
authors, abstract, the text cut into pages) is one stored JSON blob, from
which `indexer.highlight` cuts snippets.

tantivy allows one writer per directory across processes: `writer()` holds a
process lock and takes the directory lock, retrying while another process has
it, so a `reindex` from the command line and the sync loop of a running server
take turns. The writer is kept a moment after each block, so consecutive
batches share it and its segment merges run, then let go.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from indexer import analysis
from indexer.documents import IndexDocument, TextPart, day_number
from indexer.highlight import QueryTerms, best_snippet, head, snippet_of
from indexer.ports import FACETS, FLAG_FACETS, Access, Facet, FacetValue, Hit, Page, Query, Snippet, Sort
from indexer.syntax import Clause, Leaf, Parsed, Prefix, Words, YearRange, parse
from repository.errors import InvalidInput, StoreUnavailable

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
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
SEGMENT_SIZE = 1_000_000


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    for name in WEIGHTS:
        b.add_text_field(name, tokenizer_name="terms", index_option="position")
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
        self, path: Path, *, heap_bytes: int = 128_000_000, lock_timeout: float = 60.0, idle_release: float = 2.0
    ) -> None:
        self.path = path
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

    def _open(self) -> tantivy.Index:
        state = self.load_state()
        if tantivy.Index.exists(str(self.path)) and state.get("schema") != SCHEMA_VERSION:
            # The index is derived data: an old layout is dropped and rebuilt by the next sync.
            log.warning("search index at %s has an old layout; it will be rebuilt", self.path)
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
        try:
            index = tantivy.Index(SCHEMA, path=str(self.path), reuse=True)
        except ValueError as exc:
            raise StoreUnavailable(f"cannot open the search index at {self.path}: {exc}") from exc
        if self.load_state().get("schema") != SCHEMA_VERSION:
            self.save_state({"schema": SCHEMA_VERSION})
        return index

    # --- writing ---------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[_Writer]:
        with self._lock:
            if self._raw is None:
                self._raw = self._acquire()
            writer = _Writer(self._raw, int(self.load_state().get("generation", 0)))
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
        return int(self._index.searcher().num_docs)

    def close(self) -> None:
        """Let go of the writer now (it is otherwise kept for `idle_release` seconds after a write)."""
        with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            self._release()

    def embargo_lifted(self, today: date) -> list[str]:
        q = tantivy.Query.range_query(SCHEMA, "embargo", tantivy.FieldType.Integer, 1, day_number(today))
        searcher = self._index.searcher()
        found = searcher.search(q, limit=10_000, count=False).hits
        return [searcher.doc(addr)["id"][0] for _, addr in found]

    def search(self, query: Query, access: Access) -> Page:
        started = time.perf_counter()
        offset = _offset(query)
        parsed = parse(query.text)
        match = _match(parsed, query.text)
        full = _with_filters(match, query, access)
        searcher = self._index.searcher()
        if query.sort is Sort.RELEVANCE:
            result = searcher.search(full, limit=query.limit, offset=offset, count=True)
        else:
            field, order = SORTS[query.sort]
            result = searcher.search(
                full, limit=query.limit, offset=offset, count=True, order_by_field=field, order=order
            )
        marks = _query_terms(parsed) if query.highlight else QueryTerms(frozenset())
        hits = tuple(
            _hit(searcher.doc(addr), float(key) if query.sort is Sort.RELEVANCE else None, marks, query.highlight)
            for key, addr in result.hits
        )
        total = int(result.count or 0)  # type: ignore[attr-defined]  # present when count=True
        facets = tuple(Facet(n, ()) for n in query.facets)
        if query.facets and total:
            facets = _facets(searcher, full, query, total)
        following = offset + len(hits)
        cursor = query.next_cursor(following) if following < total and hits else None
        return Page(hits, total, facets, cursor, (time.perf_counter() - started) * 1000)


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
    d.add_text("body", " ".join(analysis.analysed(p.text) for p in doc.parts))
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
        per_field = [
            tantivy.Query.term_query(SCHEMA, f, terms[0])
            if len(terms) == 1
            else tantivy.Query.phrase_query(SCHEMA, f, list[str | tuple[int, str]](terms))
            for f in fields
        ]
    if len(per_field) == 1:
        return per_field[0]
    boosted = [tantivy.Query.boost_query(q, WEIGHTS[f]) for q, f in zip(per_field, fields, strict=True)]
    return tantivy.Query.disjunction_max_query(boosted, tie_breaker=TIE_BREAKER)


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


def _facets(searcher: Any, full: tantivy.Query, query: Query, total: int) -> tuple[Facet, ...]:
    """Counts per facet value in one aggregation pass; every segment reports every value, so counts are exact."""
    aggs = {name: _terms_agg(name, query.facet_size) for name in query.facets if name not in FLAG_FACETS}
    if any(name in FLAG_FACETS for name in query.facets):
        aggs["flags"] = {"terms": {"field": "flags", "size": 4}}
    result = searcher.aggregate(full, aggs)
    facets = []
    for name in query.facets:
        if name in FLAG_FACETS:
            bit = FLAG_BITS[name]
            yes = sum(b["doc_count"] for b in result["flags"]["buckets"] if int(b["key"]) & bit)
            facets.append(Facet.flag(name, int(yes), total))
        else:
            buckets = result[name]["buckets"]
            facets.append(Facet(name, tuple(FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets)))
    return tuple(facets)


def _terms_agg(name: str, size: int) -> dict[str, Any]:
    terms: dict[str, Any] = {"field": FACET_FIELDS[name], "size": size, "segment_size": SEGMENT_SIZE}
    if name == "year":
        terms["order"] = {"_key": "desc"}
        terms["size"] = 1000  # every year: the page groups them into ranges
    return {"terms": terms}


def _offset(query: Query) -> int:
    position = query.position()
    if position is None:
        return 0
    if not isinstance(position, int) or position < 0:
        raise InvalidInput("the cursor is not one this search returned")
    return position
