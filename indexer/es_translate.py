"""Elasticsearch, translated (pure): the index template, our documents, our queries, its responses.

The analyzer mirrors `indexer.analysis` with Elasticsearch's built-in
filters: `decimal_digit`, `arabic_normalization` and `arabic_stem` (Lucene's
ArabicNormalizer and light stemmer, the same rules as ours) and the parts of
the built-in `english` analyzer (possessive and Porter2 stemming; its stop
words are left out so phrases match as they do on tantivy). Full text is a
`nested` list of parts (pages, caption tracks), copied into the parent for
matching; an inner hit on the parts names the page a snippet comes from.
OpenSearch (forked from Elasticsearch 7.10) takes the same bodies except
where `Flavour` says otherwise. Nothing here does I/O: `indexer.es_index`
and `indexer.os_index` send these bodies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from indexer.analysis import prefix_term
from indexer.documents import IndexDocument, day_number
from indexer.ports import FLAG_FACETS, Access, Facet, FacetValue, Hit, Page, Query, Snippet, Sort
from indexer.syntax import Clause, Leaf, Parsed, Prefix, Words, YearRange, parse

ANALYZER = "mawrid_text"
WEIGHTS = {"title": 4.0, "author": 2.5, "subject": 2.0, "abstract": 1.5, "other": 1.2, "parts.text": 1.0}
TIE_BREAKER = 0.3
FIELDS = {"title": ("title",), "author": ("author",), "subject": ("subject",), None: tuple(WEIGHTS)}
FACET_FIELDS = {
    "community": "community",
    "collection": "collection",
    "type": "type",
    "language": "language",
    "year": "year",
    "subject": "subjects",
    "author": "authors",
    "license": "license",
}
SORTS: dict[Sort, list[dict[str, str]]] = {
    Sort.RELEVANCE: [{"_score": "desc"}, {"id": "asc"}],
    Sort.NEWEST: [{"date": "desc"}, {"id": "asc"}],
    Sort.OLDEST: [{"date": "asc"}, {"id": "asc"}],
    Sort.TITLE: [{"title_sort": "asc"}, {"id": "asc"}],
}
PRE, POST = "\ue000", "\ue001"  # private-use marks around highlights: no clash with text or HTML
FRAGMENT = 240
SHARD_SIZE = 100_000  # per-shard terms examined for a facet: counts are exact below this many values
MAX_ANALYZED_OFFSET = 1_000_000  # both products' default index limit: longer texts highlight their start, not fail


class Flavour(enum.Enum):
    """The product a body is for, where Elasticsearch and OpenSearch disagree on a request."""

    ELASTICSEARCH = "elasticsearch"
    OPENSEARCH = "opensearch"

    @property
    def max_offset_option(self) -> str:
        """The highlight option that caps the analysed text: Elasticsearch 7.12 named it
        `max_analyzed_offset`; OpenSearch 2.2 added it later as `max_analyzer_offset`, and rejects the other."""
        return "max_analyzer_offset" if self is Flavour.OPENSEARCH else "max_analyzed_offset"


def index_template(name: str) -> dict[str, Any]:
    """The composable index template (settings and mappings) for the index `name`."""
    text = {"type": "text", "analyzer": ANALYZER}
    keyword = {"type": "keyword"}
    integer = {"type": "integer"}
    return {
        "index_patterns": [name],
        "priority": 200,
        "template": {
            "settings": {
                "number_of_shards": 1,  # one shard: BM25 statistics and facet counts are exact
                "analysis": {
                    "filter": {
                        "mawrid_english_possessive": {"type": "stemmer", "language": "possessive_english"},
                        "mawrid_english_stemmer": {"type": "stemmer", "language": "porter2"},
                    },
                    "analyzer": {
                        ANALYZER: {
                            "type": "custom",
                            "tokenizer": "standard",
                            "filter": [
                                "lowercase",
                                "decimal_digit",
                                "asciifolding",
                                "arabic_normalization",
                                "arabic_stem",
                                "mawrid_english_possessive",
                                "mawrid_english_stemmer",
                            ],
                        }
                    },
                    "normalizer": {
                        "mawrid_sort": {
                            "type": "custom",
                            "filter": ["lowercase", "asciifolding", "arabic_normalization"],
                        }
                    },
                },
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    "id": keyword,
                    "title": text,
                    "author": text,
                    "subject": text,
                    "abstract": {**text, "index_options": "offsets"},
                    "other": text,
                    "parts": {
                        "type": "nested",
                        "include_in_parent": True,
                        "properties": {
                            # No gap between the parts in the parent's copy: a phrase running over a page break
                            # matches, as in the tantivy index, which holds the full text as one field.
                            "text": {**text, "index_options": "offsets", "position_increment_gap": 0},
                            "source": keyword,
                            "file": integer,
                            "page": integer,
                        },
                    },
                    **{field: keyword for field in FACET_FIELDS.values() if field != "year"},
                    "flags": keyword,
                    "year": integer,
                    "date": integer,
                    "embargo": integer,
                    "generation": integer,
                    "title_sort": {"type": "keyword", "normalizer": "mawrid_sort"},
                    "display": {"type": "object", "enabled": False},
                },
            },
        },
    }


def to_source(doc: IndexDocument, generation: int) -> dict[str, Any]:
    """The `_source` of an item's document."""
    return {
        "id": doc.id,
        "title": list(doc.titles),
        "author": list(doc.authors + doc.contributors),
        "subject": list(doc.subjects),
        "abstract": doc.abstract,
        "other": doc.other,
        "parts": [{"text": p.text, "source": p.source, "file": p.file_id, "page": p.page} for p in doc.parts],
        "community": doc.community,
        "collection": doc.collection,
        "type": doc.type,
        "language": doc.language,
        "subjects": list(doc.subjects),
        "authors": list(doc.authors),
        "license": doc.license,
        "flags": [flag for flag, on in (("oer", doc.oer), ("fulltext", doc.fulltext)) if on],
        "year": doc.year,
        "date": doc.date,
        "embargo": doc.embargo,
        "generation": generation,
        "title_sort": doc.title_sort,
        "display": {
            "title": doc.title,
            "type": doc.type,
            "year": doc.year,
            "authors": list(doc.authors),
            "abstract_head": doc.abstract[:FRAGMENT],
        },
    }


def search_body(query: Query, access: Access, flavour: Flavour = Flavour.ELASTICSEARCH) -> dict[str, Any]:
    """The `_search` request body for a query as `access` may see it."""
    parsed = parse(query.text)
    body: dict[str, Any] = {
        "query": {"bool": {"must": [_match(parsed, query.text)], "filter": _filters(query, access)}},
        "size": query.limit,
        "sort": SORTS[query.sort],
        "track_total_hits": True,
        "_source": ["display"],
    }
    snippet = _snippet_query(parsed, flavour) if query.highlight else None
    if snippet is not None:
        body["query"]["bool"]["should"] = [snippet]
        body["highlight"] = _highlight("abstract", flavour)
    position = query.position()
    if isinstance(position, int):  # a numbered page (within the result window the port enforces)
        body["from"] = position
    elif position is not None:
        body["search_after"] = position  # a following page: the last hit's sort values
    if query.facets:
        body["aggs"] = _aggs(query)
    return body


def to_page(query: Query, response: Mapping[str, Any], took_ms: float) -> Page:
    """Our page of results from an Elasticsearch search response."""
    raw_hits = response["hits"]["hits"]
    total = int(response["hits"]["total"]["value"])
    hits = tuple(_hit(h, query) for h in raw_hits)
    facets = _facets(query, response.get("aggregations", {}), total)
    cursor = query.next_cursor(raw_hits[-1]["sort"]) if len(raw_hits) == query.limit and raw_hits else None
    return Page(hits, total, facets, cursor, took_ms)


def embargo_lifted_body(today: date) -> dict[str, Any]:
    return {"query": {"range": {"embargo": {"gte": 1, "lte": day_number(today)}}}, "_source": False, "size": 10_000}


def older_than_body(generation: int) -> dict[str, Any]:
    return {"query": {"range": {"generation": {"lt": generation}}}}


def snippet_from_marked(fragment: str, source: str, page: int | None, file_id: int | None) -> Snippet:
    """A fragment with PRE/POST marks around its highlights, as our Snippet."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for i, piece in enumerate(fragment.split(PRE)):
        marked, _, rest = piece.partition(POST) if i else ("", "", piece)
        if marked:
            spans.append((length, length + len(marked)))
        text += [marked, rest]
        length += len(marked) + len(rest)
    return Snippet("".join(text), tuple(spans), source, page, file_id)


# --- queries ------------------------------------------------------------------------------


def _match(parsed: Parsed, text: str) -> dict[str, Any]:
    must = [q for c in parsed.clauses if not c.negated and (q := _clause(c)) is not None]
    must_not = [q for c in parsed.clauses if c.negated and (q := _clause(c)) is not None]
    if not must and not must_not:
        return {"match_none": {}} if text.strip() else {"match_all": {}}
    return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}


def _clause(clause: Clause) -> dict[str, Any] | None:
    options = [q for leaf in clause.options if (q := _leaf(leaf)) is not None]
    if len(options) <= 1:
        return options[0] if options else None
    return {"bool": {"should": options, "minimum_should_match": 1}}


def _leaf(leaf: Leaf) -> dict[str, Any] | None:
    if isinstance(leaf, YearRange):
        bounds = {k: v for k, v in (("gte", leaf.lo), ("lte", leaf.hi)) if v is not None}
        return {"range": {"year": bounds}}
    fields = FIELDS[leaf.field]
    if isinstance(leaf, Prefix):
        per_field = [{"prefix": {f: {"value": prefix_term(leaf.text), "boost": WEIGHTS[f]}}} for f in fields]
        return per_field[0] if len(per_field) == 1 else {"dis_max": {"queries": per_field, "tie_breaker": TIE_BREAKER}}
    if not leaf.text.strip() or not any(ch.isalnum() for ch in leaf.text):
        return None
    if len(fields) == 1:
        return {"match_phrase": {fields[0]: {"query": leaf.text}}}
    return {
        "multi_match": {
            "query": leaf.text,
            "type": "phrase",
            "fields": [f"{f}^{WEIGHTS[f]:g}" for f in fields],
            "tie_breaker": TIE_BREAKER,
        }
    }


def _highlight(field: str, flavour: Flavour) -> dict[str, Any]:
    """One best fragment of `field`, its matches between PRE and POST."""
    return {
        "pre_tags": [PRE],
        "post_tags": [POST],
        flavour.max_offset_option: MAX_ANALYZED_OFFSET,
        "fields": {field: {"fragment_size": FRAGMENT, "number_of_fragments": 1}},
    }


def _snippet_query(parsed: Parsed, flavour: Flavour) -> dict[str, Any] | None:
    """A zero-weight nested query whose inner hit is the page that best matches the reader's words."""
    should: list[dict[str, Any]] = []
    for clause in parsed.positive:
        for leaf in clause.options:
            if isinstance(leaf, Words) and leaf.field is None and any(ch.isalnum() for ch in leaf.text):
                should.append({"match_phrase": {"parts.text": leaf.text}})
            elif isinstance(leaf, Prefix) and leaf.field is None:
                should.append({"prefix": {"parts.text": prefix_term(leaf.text)}})
    if not should:
        return None
    return {
        "nested": {
            "path": "parts",
            "score_mode": "max",
            "boost": 0,
            "query": {"bool": {"should": should}},
            "inner_hits": {
                "size": 1,
                "_source": False,
                "docvalue_fields": ["parts.source", "parts.file", "parts.page"],
                "highlight": _highlight("parts.text", flavour),
            },
        }
    }


def _filters(query: Query, access: Access) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if not access.embargoed:  # embargo 0: none; else the day it ends
        filters.append({"range": {"embargo": {"lte": day_number(access.today)}}})
    for name, values in query.value_filters().items():
        filters.append({"terms": {FACET_FIELDS[name]: [int(v) for v in values] if name == "year" else values}})
    for name, wanted in query.flag_filters().items():
        flag = {"term": {"flags": name}}
        filters.append(flag if wanted else {"bool": {"must_not": [flag]}})
    if query.year_from is not None or query.year_to is not None:
        bounds = {k: v for k, v in (("gte", query.year_from), ("lte", query.year_to)) if v is not None}
        filters.append({"range": {"year": bounds}})
    return filters


def _aggs(query: Query) -> dict[str, Any]:
    aggs: dict[str, Any] = {}
    for name in query.facets:
        if name in FLAG_FACETS:
            aggs["flags"] = {"terms": {"field": "flags", "size": 10}}
        elif name == "year":
            aggs["year"] = {"terms": {"field": "year", "size": 1000, "order": {"_key": "desc"}}}
        else:
            aggs[name] = {"terms": {"field": FACET_FIELDS[name], "size": query.facet_size, "shard_size": SHARD_SIZE}}
    return aggs


# --- responses ----------------------------------------------------------------------------


def _hit(raw: Mapping[str, Any], query: Query) -> Hit:
    display = raw["_source"]["display"]
    snippet: Snippet | None = None
    if query.highlight:
        inner = raw.get("inner_hits", {}).get("parts", {}).get("hits", {}).get("hits", [])
        if inner and inner[0].get("highlight", {}).get("parts.text"):
            fields = inner[0].get("fields", {})
            snippet = snippet_from_marked(
                inner[0]["highlight"]["parts.text"][0],
                _first(fields, "parts.source") or "fulltext",
                _first(fields, "parts.page"),
                _first(fields, "parts.file"),
            )
        elif raw.get("highlight", {}).get("abstract"):
            snippet = snippet_from_marked(raw["highlight"]["abstract"][0], "abstract", None, None)
        elif display.get("abstract_head"):
            snippet = Snippet(display["abstract_head"], (), "abstract")
    score = raw.get("_score") if query.sort is Sort.RELEVANCE else None
    return Hit(
        id=raw["_id"],
        title=display["title"],
        type=display["type"],
        year=display.get("year"),
        authors=tuple(display.get("authors", ())),
        score=float(score) if score is not None else None,
        snippet=snippet,
    )


def _facets(query: Query, aggs: Mapping[str, Any], total: int) -> tuple[Facet, ...]:
    facets = []
    for name in query.facets:
        if name in FLAG_FACETS:
            buckets = aggs.get("flags", {}).get("buckets", [])
            facets.append(Facet.flag(name, next((int(b["doc_count"]) for b in buckets if b["key"] == name), 0), total))
        else:
            buckets = aggs.get(name, {}).get("buckets", [])
            facets.append(Facet(name, tuple(FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets)))
    return tuple(facets)


def _first(fields: Mapping[str, Sequence[Any]], name: str) -> Any:
    values = fields.get(name) or [None]
    return values[0]
