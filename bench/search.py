"""Search speed: indexing items/s and query latency through the service and the HTTP API.

Setup writes N synthetic items (N = 100,000; a few thousand with --quick) of
about 2,000 words each, drawn from a Zipf distribution over a mixed Arabic
and English vocabulary (real words with their affixed forms, then made-up
ones), cut into PDF-like pages, with realistic facet values. They go
straight through `TantivyIndex.writer()` (the path the sync and reindex
use); the services and the database are measured separately on a small
sample, since 100,000 deposits would benchmark SQLite, not search.

Baselines measured in the same run:
- indexing: raw tantivy indexing the same texts with its own tokenizer (no
  Python analysis, no display data), on the first items;
- queries: raw tantivy on the same index, for the same query mix (a common
  word, a rare word, two words, a phrase; Arabic and English) — tantivy's
  query parser over the same fields, the top 10 and their stored documents
  (the hits alone), and the same plus the exact count and the same facet
  aggregations (the same work as ours: the baseline the ratios use).

OpenSearch: when Java 17 and Maven are here, the node the tests use
(`tests.opensearch_node`) starts in the work directory, the same items go
into an `OpenSearchIndex` through its writer (the sync's path, in bulk
blocks), and `GET /api/search` on an app wired to it (`opensearch_url` in the
settings, as a deployment sets it) runs the same query mix, in alternation
with the tantivy layers; the node stops at the end.

Our layers are measured twice: as served, where a search asked again on the
same index generation is answered from what `TantivyIndex` remembered (the
warm-up run fills it, so these rows are repeated searches); and with those
caches off (`cache_entries=0`), every figure computed afresh, as for a
search nobody has asked since the last commit.

`python -m bench search --items 20000 --cache-dir /some/dir` sets the scale
and keeps the built index for the next run (keyed by size and schema).
Also measured: the Lucene-style Arabic light stemmer against Snowball Arabic
on a conflation set, the choice `indexer.analysis` made.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import snowballstemmer
import tantivy
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from indexer import analysis, service
from indexer.documents import IndexDocument, TextPart
from indexer.ports import FACETS, Query
from indexer.sync import sync
from indexer.tantivy_index import FACET_FIELDS, SCHEMA_VERSION, TantivyIndex
from repository.domain import ANONYMOUS, SYSTEM, FileRole
from repository.services.collections import create_collection, create_community
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.services.workflow import publish_item
from repository.settings import Settings
from tests.opensearch_node import NodeUnavailable, opensearch_node
from tests.server import served
from web.api.search import router
from web.wiring import Wiring, wire

WORDS_PER_ITEM = 2000
PAGES = 8
BATCH = 1000
OS_BATCH = 200  # items per bulk request to OpenSearch: about 3 MB, well within the client's 30 s timeout
OS_INDEX = "mawrid-bench"
CORPUS_VERSION = 1  # bump when Corpus changes what it generates, so a kept index is not reused
LAYERS = {
    "hits": "raw tantivy: top 10 + stored docs",
    "raw": "raw tantivy: + exact count + the same facet aggregations (baseline)",
    "service_cold": "`indexer.service.search`, caches off",
    "service": "`indexer.service.search`",
    "api_cold": "`GET /api/search`, caches off",
    "api": "`GET /api/search` (uvicorn + httpx, loopback)",
}
OS_LAYER = ("opensearch", "`GET /api/search` on `OpenSearchIndex` (one local node)")
ARABIC = (  # noqa: SIM905 - word lists read better as text
    "مكتبة المكتبة والمكتبة مكتبات جامعة الجامعة جامعات تعليم التعليم والتعليم المفتوح القدس فلسطين "
    "دراسة الدراسة دراسات بحث البحث والبحث الطالب الطلاب المعلم المعلمين الإدارة إدارة اقتصاد الاقتصادية "
    "الزراعة زراعية الإعلام الإعلامي المجتمع التنمية الأسرة التكنولوجيا العلوم التطبيقية كلية الكليات "
    "التربية التربوية الفنون المنهج المناهج التقويم تحليل نتائج العينة الفرضية الإحصائية مستوى الدلالة"
).split()
ENGLISH = (  # noqa: SIM905
    "the of and to in a is that for on with as by study university library libraries education open "
    "learning students teacher research analysis results data method community development media "
    "agriculture economics management technology science social family arts curriculum assessment "
    "sample hypothesis statistical significance level effect impact palestine jerusalem digital"
).split()
NAMES = ["أحمد", "محمد", "سارة", "ليلى", "عمر", "خالد", "Ahmad", "Sara", "Omar", "Layla", "Khalil", "Nasser"]
TYPES = ["article", "thesis", "book", "report", "course", "lesson", "journal_issue", "video"]
LICENSES = [
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by-sa/4.0/",
    "https://creativecommons.org/licenses/by-nc/4.0/",
    None,
]
COMMUNITIES = ["technology", "agriculture", "family", "economics", "media", "arts", "education"]
# Conflation set for the stemmer comparison: each line is one word's forms that a reader expects to match.
CONFLATION = [
    "مكتبة المكتبة والمكتبة بالمكتبة للمكتبة مكتبه مَكْتَبَة مكتبات المكتبات",
    "إدارة ادارة الإدارة والإدارة بالإدارة إدارات",
    "جامعة الجامعة والجامعة بالجامعة للجامعة جامعات الجامعات",
    "معلم المعلم معلمون المعلمون المعلمين معلمين والمعلمين",
    "طالب الطالب للطالب طالبة الطالبة طالبات الطالبات",
    "تعليم التعليم والتعليم بالتعليم للتعليم",
    "بحث البحث والبحث بالبحث للبحث",
    "كتاب الكتاب والكتاب كتابه كتابها",
    "زراعة الزراعة زراعي الزراعية زراعية",
    "فلسطين فلسطيني الفلسطينية فلسطينيون الفلسطينيين",
    "اقتصاد الاقتصاد اقتصادي الاقتصادية اقتصادية والاقتصاد",
    "إعلام الإعلام والإعلام إعلامي الإعلامية",
    "دراسة الدراسة دراسات الدراسات ودراسة",
    "مجتمع المجتمع والمجتمع المجتمعات مجتمعات",
    "علم العلم والعلم بالعلم",
    "عالم العالم والعالم",
    "كلية الكلية كليات والكلية",
    "مفتوحة المفتوحة مفتوح المفتوح",
    "قدس القدس والقدس بالقدس",
    "مدرسة المدرسة مدارس المدارس",
]


class Corpus:
    """Reproducible synthetic items: Zipf-distributed words from a mixed vocabulary, drawn from a shared pool."""

    def __init__(self, seed: int = 7, vocabulary: int = 60_000, pool: int = 1_000_000) -> None:
        rng = random.Random(seed)
        letters_ar, letters_en = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "abcdefghijklmnopqrstuvwxyz"
        made_up = [
            "".join(rng.choice(letters_ar if i % 2 else letters_en) for _ in range(rng.randint(4, 9)))
            for i in range(vocabulary)
        ]
        self.vocabulary = list(dict.fromkeys(ENGLISH[:20] + ARABIC[:20] + ENGLISH[20:] + ARABIC[20:] + made_up))
        weights = [1 / (rank + 1) for rank in range(len(self.vocabulary))]
        self.pool = rng.choices(self.vocabulary, cum_weights=list(itertools.accumulate(weights)), k=pool)
        self.rng = rng
        self.authors = [f"{rng.choice(NAMES)} {rng.choice(NAMES)} {n}" for n in range(5000)]
        self.subjects = [f"{rng.choice(ARABIC)} {rng.choice(ENGLISH[20:])}" for _ in range(400)]

    def text(self, words: int) -> str:
        out: list[str] = []
        while len(out) < words:
            start = self.rng.randrange(len(self.pool) - 500)
            out += self.pool[start : start + min(500, words - len(out))]
        return " ".join(out)

    def document(self, n: int) -> IndexDocument:
        rng = self.rng
        body = self.text(WORDS_PER_ITEM)
        cut = len(body) // PAGES
        parts = tuple(
            TextPart(body[p * cut : (p + 1) * cut if p < PAGES - 1 else None], "fulltext", n, p + 1)
            for p in range(PAGES)
        )
        title = self.text(rng.randint(5, 10))
        authors = tuple(rng.choice(self.authors) for _ in range(rng.randint(1, 3)))
        subjects = tuple(dict.fromkeys(rng.choice(self.subjects) for _ in range(rng.randint(1, 4))))
        year = rng.randint(1990, 2024)
        kind = rng.choice(TYPES)
        community = rng.choice(COMMUNITIES)
        return IndexDocument(
            id=f"item{n:07d}",
            version=1,
            title=title,
            titles=(title,),
            abstract=self.text(60),
            authors=authors,
            contributors=(),
            subjects=subjects,
            other="QOU Press",
            parts=parts if rng.random() < 0.9 else (),
            community=community,
            collection=f"{community}-{rng.randint(1, 3)}",
            type=kind,
            language="ar" if rng.random() < 0.6 else "en",
            year=year,
            date=year * 10000 + 101,
            title_sort=analysis.normalize(title),
            license=rng.choice(LICENSES),
            oer=kind in ("course", "lesson"),
            embargo=0,
        )


def run(quick: bool = False, items: int | None = None, cache_dir: Path | None = None) -> str:
    items = items or (3_000 if quick else 100_000)
    baseline_items = min(items, 2_000 if quick else 20_000)
    runs = 15 if quick else 40
    corpus = Corpus()
    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="mawrid-bench-search-"))
    try:
        data = _built(
            corpus, cache_dir / f"search-{items}-s{SCHEMA_VERSION}-c{CORPUS_VERSION}" if cache_dir else work, items
        )
        built = json.loads((data / "built.json").read_text())
        built["kept"] = built["at"] < started
        raw_rate = _index_raw(Corpus(), work / "raw", baseline_items)
        wiring = wire(Settings(data_dir=data, _env_file=None))  # type: ignore[call-arg]
        index = wiring.index
        assert isinstance(index, TantivyIndex)
        cold = wire(Settings(data_dir=data, _env_file=None))  # type: ignore[call-arg]
        cold.index = TantivyIndex(data / "index", cache_entries=0)  # type: ignore[misc]
        mix = _query_mix(corpus)
        with ExitStack() as stack:  # the OpenSearch node, stopped once the queries are timed
            opensearch = _opensearch(stack, work / "opensearch", items)
            latencies, totals = _latencies(wiring, cold, mix, runs, opensearch.wiring)
        segments = index._current().searcher.num_segments
        sync_rate, sync_base = _sync_sample(work / "sample", 60 if quick else 300)
        size = sum(f.stat().st_size for f in (data / "index").rglob("*") if f.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _report(
        items, baseline_items, built, raw_rate, latencies, totals, mix, sync_rate, sync_base, size, segments, opensearch
    )


def _built(corpus: Corpus, data: Path, items: int) -> Path:
    """The data directory holding the index of `items` synthetic items, built unless kept from an earlier run."""
    if not (data / "built.json").exists():
        shutil.rmtree(data / "index", ignore_errors=True)
        rate, seconds = _index_ours(corpus, data / "index", items)
        (data / "built.json").write_text(json.dumps({"rate": rate, "seconds": seconds, "at": time.time()}))
    return data


@dataclass
class Cluster:
    """The OpenSearch node of this run: the wiring of an app on it and how fast it was loaded; or why not."""

    wiring: Wiring | None = None
    rate: float = 0.0
    seconds: float = 0.0
    skipped: str = ""


def _opensearch(stack: ExitStack, workdir: Path, items: int) -> Cluster:
    """A node started (stopped when `stack` closes) and loaded with the same `items` items, through
    `OpenSearchIndex.writer()` in bulk blocks; skipped, saying why, when this machine cannot build a node."""
    workdir.mkdir(parents=True)
    try:
        url = stack.enter_context(opensearch_node(workdir))
    except NodeUnavailable as exc:
        return Cluster(skipped=f"skipped: {exc}")
    settings = Settings(  # type: ignore[call-arg]
        data_dir=workdir / "data", opensearch_url=url, opensearch_index=OS_INDEX, _env_file=None
    )
    wiring = wire(settings)
    index = wiring.index
    stack.callback(index.close)
    index.save_state({**index.load_state(), "generation": 1})
    corpus = Corpus()  # the same seed, so the same items as the tantivy index
    started = time.perf_counter()
    for first in range(0, items, OS_BATCH):
        with index.writer() as writer:
            writer.upsert([corpus.document(n) for n in range(first, min(items, first + OS_BATCH))])
    seconds = time.perf_counter() - started
    assert index.count() == items, f"OpenSearch holds {index.count()} of the {items} items"
    return Cluster(wiring, items / seconds, seconds)


# --- indexing ---------------------------------------------------------------------------------


def _index_ours(corpus: Corpus, path: Path, items: int) -> tuple[float, float]:
    index = TantivyIndex(path, heap_bytes=256_000_000)
    index.save_state({**index.load_state(), "generation": 1})
    started = time.perf_counter()
    for first in range(0, items, BATCH):
        docs = [corpus.document(n) for n in range(first, min(items, first + BATCH))]
        with index.writer() as writer:
            writer.upsert(docs)
    index.close()  # lets tantivy's last segment merges finish
    spent = time.perf_counter() - started
    return items / spent, spent


def _index_raw(corpus: Corpus, path: Path, items: int) -> float:
    """tantivy alone: its own tokenizer, the same texts and facet values, no display data."""
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ("title", "abstract", "body"):
        b.add_text_field(name, stored=name == "body")
    for name in ("f_type", "f_author"):
        b.add_text_field(name, tokenizer_name="raw", fast=True)
    b.add_integer_field("year", indexed=True, fast=True)
    schema = b.build()
    path.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(path))
    started = time.perf_counter()
    for first in range(0, items, BATCH):
        writer = index.writer(heap_size=256_000_000)
        for n in range(first, min(items, first + BATCH)):
            doc = corpus.document(n)
            d = tantivy.Document()
            d.add_text("id", doc.id)
            d.add_text("title", doc.title)
            d.add_text("abstract", doc.abstract)
            d.add_text("body", "".join(p.text for p in doc.parts))
            d.add_text("f_type", doc.type)
            for author in doc.authors:
                d.add_text("f_author", author)
            d.add_integer("year", doc.year or 0)
            writer.add_document(d)
        writer.commit()
        del writer
    return items / (time.perf_counter() - started)


def _sync_sample(path: Path, items: int) -> tuple[float, float]:
    """The whole path on a small sample: deposits with text files in SQLite, then one sync; against the deposits."""
    wiring = wire(Settings(data_dir=path, _env_file=None))  # type: ignore[call-arg]
    create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
    create_collection(wiring.uow(), SYSTEM, "media", "journalism", "Journalism", "الصحافة")
    corpus = Corpus(seed=11, vocabulary=5_000, pool=200_000)
    started = time.perf_counter()
    for n in range(items):
        doc = corpus.document(n)
        item = deposit_item(wiring.uow(), SYSTEM, "journalism", {"titles": [{"value": doc.title}], "type": doc.type})
        body = "".join(p.text for p in doc.parts).encode()
        if body:  # a tenth of the items have no text, and an empty file is refused
            add_file(wiring.uow(), wiring.store, SYSTEM, item.id, io.BytesIO(body), "text.txt", role=FileRole.TEXT)
        publish_item(wiring.uow(), SYSTEM, item.id)
    deposit_rate = items / (time.perf_counter() - started)
    started = time.perf_counter()
    report = sync(wiring.engine, wiring.store, TantivyIndex(path / "index"))
    assert report.indexed == items
    return items / (time.perf_counter() - started), deposit_rate


# --- queries ----------------------------------------------------------------------------------


def _query_mix(corpus: Corpus) -> list[tuple[str, str]]:
    vocab = corpus.vocabulary
    return [
        ("common word (en)", vocab[1]),
        ("common word (ar, other spelling)", "و" + vocab[20]),
        ("rare word", vocab[30_000]),
        ("two words", f"{vocab[60]} {vocab[61]}"),
        ("phrase", f'"{vocab[2]} {vocab[3]}"'),
        ("phrase (ar)", f'"{vocab[21]} {vocab[22]}"'),
    ]


def _raw_query(index: TantivyIndex, text: str, facets: bool = True) -> Callable[[], object]:
    """tantivy on its own: parser over the same fields, the hits' stored docs; with `facets`, the count and aggs."""
    fields = ["title", "author", "subject", "abstract", "other", "body"]
    phrase = text.startswith('"')
    terms = analysis.terms(text)
    parsed_text = f'"{" ".join(terms)}"' if phrase else " ".join(terms)
    raw = index._index  # the very same tantivy index, queried directly
    query = raw.parse_query(parsed_text, default_field_names=fields, conjunction_by_default=True)
    aggs = {name: {"terms": {"field": field, "size": 20}} for name, field in FACET_FIELDS.items()}
    aggs["flags"] = {"terms": {"field": "flags", "size": 4}}

    def run() -> object:
        searcher = raw.searcher()
        result = searcher.search(query, limit=10, count=facets)
        if facets:
            searcher.aggregate(query, aggs)
        return [searcher.doc(addr) for _, addr in result.hits]

    return run


def _latencies(
    wiring: Wiring, cold: Wiring, mix: list[tuple[str, str]], runs: int, opensearch: Wiring | None = None
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, int]]]:
    """Milliseconds per query kind and layer, the layers measured in alternation (OpenSearch's too, when its
    wiring is given); and the API's totals per query kind, tantivy's and OpenSearch's."""
    today = date.today()
    index, cold_index = wiring.index, cold.index
    assert isinstance(index, TantivyIndex)
    names = [*LAYERS, OS_LAYER[0]] if opensearch is not None else list(LAYERS)
    times: dict[str, dict[str, list[float]]] = {kind: {layer: [] for layer in names} for kind, _ in mix}
    totals: dict[str, dict[str, int]] = {kind: {} for kind, _ in mix}
    with (
        ExitStack() as stack,
        _served(wiring) as base,
        _served(cold) as cold_base,
        httpx.Client(base_url=base, timeout=60) as http,
        httpx.Client(base_url=cold_base, timeout=60) as cold_http,
    ):
        if opensearch is not None:
            os_base = stack.enter_context(_served(opensearch))
            os_http = stack.enter_context(httpx.Client(base_url=os_base, timeout=60))
            for kind, text in mix:
                totals[kind]["opensearch"] = _api_search(os_http, text)["total"]
        layers: list[tuple[str, str, Callable[[], object]]] = []
        for kind, text in mix:
            query = Query(text=text, limit=10, facets=FACETS, highlight=True)
            layers += [
                (kind, "hits", _raw_query(index, text, facets=False)),
                (kind, "raw", _raw_query(index, text)),
                (
                    kind,
                    "service_cold",
                    partial(service.search, cold_index, ANONYMOUS, query, cursor_key="bench", today=today),
                ),
                (kind, "service", partial(service.search, index, ANONYMOUS, query, cursor_key="bench", today=today)),
                (kind, "api_cold", partial(_api_search, cold_http, text)),
                (kind, "api", partial(_api_search, http, text)),
            ]
            totals[kind]["tantivy"] = _api_search(http, text)["total"]
            if opensearch is not None:
                layers.append((kind, OS_LAYER[0], partial(_api_search, os_http, text)))
        for _, _, fn in layers:  # warm the OS cache and the term dictionary (and fill the search caches)
            fn()
        for _ in range(runs):
            for kind, layer, fn in layers:
                started = time.perf_counter()
                fn()
                times[kind][layer].append((time.perf_counter() - started) * 1000)
    return times, totals


def _api_search(http: httpx.Client, text: str) -> dict[str, Any]:
    page: dict[str, Any] = http.get("/api/search", params={"q": text, "limit": 10}).raise_for_status().json()
    return page


@contextmanager
def _served(wiring: Wiring) -> Iterator[str]:
    """The search router in a bare FastAPI app (with sessions, for the reader's identity), served by uvicorn."""
    app = FastAPI()
    app.state.wiring = wiring
    app.add_middleware(SessionMiddleware, secret_key="bench-only")
    app.include_router(router)
    with served(app) as url:
        yield url


# --- the stemmer choice -----------------------------------------------------------------------


def _conflation(stem: Callable[[str], str]) -> tuple[float, int]:
    """Share of same-word pairs that get one term, and pairs of different words wrongly given one."""
    groups = [[stem(w) for w in line.split()] for line in CONFLATION]
    pairs = [a == b for g in groups for a, b in itertools.combinations(g, 2)]
    collisions = sum(a == b for g, h in itertools.combinations(groups, 2) for a in set(g) for b in set(h))
    return sum(pairs) / len(pairs), collisions


# --- report -----------------------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _report(
    items: int,
    baseline_items: int,
    built: dict[str, float],
    raw_rate: float,
    latencies: dict[str, dict[str, list[float]]],
    totals: dict[str, dict[str, int]],
    mix: list[tuple[str, str]],
    sync_rate: float,
    deposit_rate: float,
    size: int,
    segments: int,
    opensearch: Cluster,
) -> str:
    labels = {**LAYERS, OS_LAYER[0]: OS_LAYER[1]} if opensearch.wiring is not None else dict(LAYERS)
    every = {layer: [t for kind in latencies.values() for t in kind[layer]] for layer in labels}
    p50 = {layer: _p(v, 50) for layer, v in every.items()}
    p95 = {layer: _p(v, 95) for layer, v in every.items()}
    light, light_collisions = _conflation(analysis.analyse_word)
    snowball = snowballstemmer.stemmer("arabic")
    snow, snow_collisions = _conflation(lambda w: str(snowball.stemWord(w)))
    ours_rate = built["rate"]
    lines = [
        "## Search (tantivy, embedded)",
        "",
        f"Scale: **{items:,} items** of {WORDS_PER_ITEM:,} words (synthetic: Zipf over a mixed Arabic/English "
        f"vocabulary, {PAGES} pages each, 90% with full text); index {size / 1e9:.2f} GB in {segments} segment(s), "
        f"built in {built['seconds']:.0f} s"
        + (" (by an earlier run, kept in the cache directory)" if built["kept"] else "")
        + ".",
        "",
        "| indexing | items/s | vs raw tantivy |",
        "| --- | ---: | ---: |",
        f"| raw tantivy, own tokenizer, first {baseline_items:,} items (baseline) | {raw_rate:,.0f} | 1.00 |",
        f"| `TantivyIndex.writer()`: Python analysis + display data, all {items:,} items | {ours_rate:,.0f} | "
        f"{ours_rate / raw_rate:.2f} |",
        f"| `sync()` from SQLite + local objects (sample; deposits ran at {deposit_rate:,.0f} items/s) | "
        f"{sync_rate:,.0f} | {sync_rate / raw_rate:.2f} |",
    ]
    if opensearch.wiring is not None:
        lines.append(
            f"| `OpenSearchIndex.writer()`: bulk blocks of {OS_BATCH} to one local node, all {items:,} items "
            f"({opensearch.seconds:.0f} s) | {opensearch.rate:,.0f} | {opensearch.rate / raw_rate:.2f} |"
        )
    lines += [
        "",
        "Query mix: "
        + "; ".join(f"{kind} `{text}`" for kind, text in mix)
        + ". Every query asks for 10 hits, the exact total and all ten facets; service and API also cut highlighted "
        "snippets (raw tantivy cannot, with our analysis). Rows without “caches off” repeat searches already "
        "asked on this index generation, so they are answered from the remembered counts, facets and hits.",
        "",
        "| queries (ms) | p50 | p95 | p50 vs raw | p95 vs raw |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for layer, label in labels.items():
        lines.append(
            f"| {label} | {p50[layer]:.1f} | {p95[layer]:.1f} | {p50[layer] / p50['raw']:.2f} | "
            f"{p95[layer] / p95['raw']:.2f} |"
        )
    if opensearch.wiring is None:
        lines.append(f"| {OS_LAYER[1]} | – | – | – | – ({opensearch.skipped}) |")
    else:
        differ = [kind for kind, row in totals.items() if row["opensearch"] != row["tantivy"]]
        lines += [
            "",
            "OpenSearch runs the same query mix with the same 10 hits, exact total, facets and highlights, through "
            "the same app and API, on one node in a 512 MB JVM on this machine; nothing in Mawrid caches its "
            "answers, so compare it with the “caches off” rows. Totals "
            + (
                "agree with tantivy's on every query."
                if not differ
                else "differ from tantivy's on "
                + "; ".join(f"{k} ({totals[k]['tantivy']:,} vs {totals[k]['opensearch']:,})" for k in differ)
                + "."
            ),
        ]
    lines += [
        "",
        "| p50 by query (ms) | " + " | ".join(labels) + " |",
        "| --- |" + " ---: |" * len(labels),
    ]
    for kind, _ in mix:
        row = latencies[kind]
        lines.append(f"| {kind} | " + " | ".join(f"{_p(row[layer], 50):.1f}" for layer in labels) + " |")
    lines += [
        "",
        f"Goals: API p95 ≤ 30 ms — {'met' if p95['api'] <= 30 else 'missed'} ({p95['api']:.1f} ms; "
        f"{p95['api_cold']:.1f} ms with the caches off); "
        f"service ≤ 3× raw — {'met' if p95['service_cold'] <= 3 * p95['raw'] else 'missed'} "
        f"(p95 with the caches off {p95['service_cold'] / p95['raw']:.2f}×).",
        "",
        "| Arabic stemmer on the conflation set | forms of one word matched | different words confused |",
        "| --- | ---: | ---: |",
        f"| Snowball Arabic (baseline) | {snow:.0%} | {snow_collisions} |",
        f"| Lucene-style light stemmer (chosen) | {light:.0%} ({light / snow:.2f}×) | {light_collisions} |",
    ]
    return "\n".join(lines)
