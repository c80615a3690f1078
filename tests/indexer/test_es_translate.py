"""The Elasticsearch translation (pure), against concrete expected JSON; and a live check when a cluster is set."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest

from indexer.documents import IndexDocument, TextPart
from indexer.es_translate import (
    POST,
    PRE,
    Flavour,
    embargo_lifted_body,
    index_template,
    older_than_body,
    search_body,
    snippet_from_marked,
    to_page,
    to_source,
)
from indexer.ports import Access, Facet, FacetValue, Hit, Page, Query, Snippet, Sort
from repository.errors import InvalidInput
from tests.indexer.conftest import ES_URL

ANONYMOUS_TODAY = Access(today=date(2030, 6, 1), embargoed=False)
FIELDS = ["title^4", "author^2.5", "subject^2", "abstract^1.5", "other^1.2", "parts.text^1"]


def words(text: str) -> dict[str, Any]:
    return {"multi_match": {"query": text, "type": "phrase", "fields": FIELDS, "tie_breaker": 0.3}}


BUILT_IN_FILTERS = {"lowercase", "decimal_digit", "asciifolding", "arabic_normalization", "arabic_stem"}


def test_every_field_the_queries_name_is_mapped_with_an_analysis_the_template_defines() -> None:
    # What the analysis does to Arabic and English words is checked on a live node (test_os_index.py);
    # here: nothing the queries or the mapping refer to is left undefined.
    settings, mappings = (index_template("mawrid")["template"][k] for k in ("settings", "mappings"))
    analysis, properties = settings["analysis"], mappings["properties"]
    fields = {**properties, **{f"parts.{k}": v for k, v in properties["parts"]["properties"].items()}}
    for name in [f.split("^")[0] for f in FIELDS]:
        assert fields[name]["type"] == "text", name
        analyzer = analysis["analyzer"][fields[name]["analyzer"]]
        assert set(analyzer["filter"]) <= BUILT_IN_FILTERS | set(analysis["filter"]), name
    assert {"arabic_normalization", "arabic_stem"} <= set(analysis["analyzer"]["mawrid_text"]["filter"])
    assert fields["parts.text"]["index_options"] == "offsets"  # highlights of long texts need stored offsets
    for keyword in ("type", "year", "flags", "id", "embargo", "date"):
        assert keyword in properties and properties[keyword]["type"] != "text", keyword
    assert properties["title_sort"]["normalizer"] in analysis["normalizer"]


def test_query_filters_sort_and_facets() -> None:
    query = Query(
        text="library -draft title:arab* year:2010-2019",
        filters={"type": ["article", "thesis"], "oer": ["false"], "year": ["2015"]},
        year_from=2012,
        sort=Sort.NEWEST,
        limit=10,
        facets=("type", "year", "oer"),
        highlight=False,
    )
    assert search_body(query, ANONYMOUS_TODAY) == {
        "query": {
            "bool": {
                "must": [
                    {
                        "bool": {
                            "must": [
                                words("library"),
                                {"prefix": {"title": {"value": "arab", "boost": 4.0}}},
                                {"range": {"year": {"gte": 2010, "lte": 2019}}},
                            ],
                            "must_not": [words("draft")],
                        }
                    }
                ],
                "filter": [
                    {"range": {"embargo": {"lte": 20300601}}},
                    {"terms": {"type": ["article", "thesis"]}},
                    {"terms": {"year": [2015]}},
                    {"bool": {"must_not": [{"term": {"flags": "oer"}}]}},
                    {"range": {"year": {"gte": 2012}}},
                ],
            }
        },
        "size": 10,
        "sort": [{"date": "desc"}, {"id": "asc"}],
        "track_total_hits": True,
        "_source": ["display"],
        "aggs": {
            "type": {"terms": {"field": "type", "size": 20, "shard_size": 100000}},
            "year": {"terms": {"field": "year", "size": 1000, "order": {"_key": "desc"}}},
            "flags": {"terms": {"field": "flags", "size": 10}},
        },
    }


def test_or_groups_prefixes_and_staff_access() -> None:
    body = search_body(Query(text="olive OR زيتون educ*", facets=(), highlight=False), Access(date(2030, 6, 1), True))
    assert body["query"]["bool"] == {
        "must": [
            {
                "bool": {
                    "must": [
                        {"bool": {"should": [words("olive"), words("زيتون")], "minimum_should_match": 1}},
                        {
                            "dis_max": {
                                "queries": [
                                    {"prefix": {f.split("^")[0]: {"value": "educ", "boost": float(f.split("^")[1])}}}
                                    for f in FIELDS
                                ],
                                "tie_breaker": 0.3,
                            }
                        },
                    ],
                    "must_not": [],
                }
            }
        ],
        "filter": [],  # staff: no embargo filter
    }
    assert "aggs" not in body and "highlight" not in body


@pytest.mark.parametrize(("text", "match"), [("", {"match_all": {}}), ("!!! ???", {"match_none": {}})])
def test_empty_and_unsearchable_texts(text: str, match: dict[str, Any]) -> None:
    assert search_body(Query(text=text, facets=()), ANONYMOUS_TODAY)["query"]["bool"]["must"] == [match]


def test_highlights_come_from_a_zero_weight_nested_query_and_the_abstract() -> None:
    body = search_body(Query(text='"open access" -draft', facets=()), ANONYMOUS_TODAY)
    marks = {"pre_tags": [PRE], "post_tags": [POST], "max_analyzed_offset": 1_000_000}
    assert body["query"]["bool"]["should"] == [
        {
            "nested": {
                "path": "parts",
                "score_mode": "max",
                "boost": 0,
                "query": {"bool": {"should": [{"match_phrase": {"parts.text": "open access"}}]}},
                "inner_hits": {
                    "size": 1,
                    "_source": False,
                    "docvalue_fields": ["parts.source", "parts.file", "parts.page"],
                    "highlight": {**marks, "fields": {"parts.text": {"fragment_size": 240, "number_of_fragments": 1}}},
                },
            }
        }
    ]
    assert body["highlight"] == {**marks, "fields": {"abstract": {"fragment_size": 240, "number_of_fragments": 1}}}


def test_opensearch_bodies_name_the_highlight_limit_its_way() -> None:
    body = search_body(Query(text="open access", facets=()), ANONYMOUS_TODAY, Flavour.OPENSEARCH)
    inner = body["query"]["bool"]["should"][0]["nested"]["inner_hits"]["highlight"]
    for highlight in (body["highlight"], inner):
        assert highlight["max_analyzer_offset"] == 1_000_000 and "max_analyzed_offset" not in highlight
    elastic = search_body(Query(text="open access", facets=()), ANONYMOUS_TODAY, Flavour.ELASTICSEARCH)
    assert {k: v for k, v in body.items() if k not in ("query", "highlight")} == {
        k: v for k, v in elastic.items() if k not in ("query", "highlight")
    }


def test_a_following_page_is_search_after_and_a_numbered_page_is_from() -> None:
    query = Query(text="olive", limit=1, facets=())
    cursor = query.next_cursor([12.5, "abc"])
    assert search_body(Query(text="olive", limit=1, facets=(), cursor=cursor), ANONYMOUS_TODAY)["search_after"] == [
        12.5,
        "abc",
    ]
    with pytest.raises(InvalidInput):
        search_body(Query(text="other", limit=1, facets=(), cursor=cursor), ANONYMOUS_TODAY)
    numbered = search_body(Query(text="olive", cursor=Query(text="olive").next_cursor(40)), ANONYMOUS_TODAY)
    assert numbered["from"] == 40 and "search_after" not in numbered


def test_response_becomes_a_page() -> None:
    query = Query(text="library", limit=2, facets=("type", "fulltext"))
    response = {
        "took": 3,
        "hits": {
            "total": {"value": 3, "relation": "eq"},
            "hits": [
                {
                    "_id": "abc",
                    "_score": 2.5,
                    "sort": [2.5, "abc"],
                    "_source": {
                        "display": {
                            "title": "Libraries",
                            "type": "article",
                            "year": 2019,
                            "authors": ["Ahmad Khalil"],
                            "abstract_head": "About",
                        }
                    },
                    "inner_hits": {
                        "parts": {
                            "hits": {
                                "hits": [
                                    {
                                        "fields": {"parts.source": ["fulltext"], "parts.file": [7], "parts.page": [3]},
                                        "highlight": {"parts.text": [f"the {PRE}library{POST} of Nablus"]},
                                    }
                                ]
                            }
                        }
                    },
                },
                {
                    "_id": "def",
                    "_score": 1.0,
                    "sort": [1.0, "def"],
                    "_source": {
                        "display": {
                            "title": "Farming",
                            "type": "report",
                            "year": None,
                            "authors": [],
                            "abstract_head": "",
                        }
                    },
                    "inner_hits": {"parts": {"hits": {"hits": []}}},
                    "highlight": {"abstract": [f"{PRE}Libraries{POST} and farms"]},
                },
            ],
        },
        "aggregations": {
            "type": {"buckets": [{"key": "article", "doc_count": 2}, {"key": "report", "doc_count": 1}]},
            "flags": {"buckets": [{"key": "fulltext", "doc_count": 1}]},
        },
    }
    page = to_page(query, response, 4.0)
    assert page == Page(
        hits=(
            Hit(
                "abc",
                "Libraries",
                "article",
                2019,
                ("Ahmad Khalil",),
                2.5,
                Snippet("the library of Nablus", ((4, 11),), "fulltext", 3, 7),
            ),
            Hit("def", "Farming", "report", None, (), 1.0, Snippet("Libraries and farms", ((0, 9),), "abstract")),
        ),
        total=3,
        facets=(
            Facet("type", (FacetValue("article", 2), FacetValue("report", 1))),
            Facet("fulltext", (FacetValue("true", 1), FacetValue("false", 2))),
        ),
        cursor=query.next_cursor([1.0, "def"]),
        took_ms=4.0,
    )


def test_marked_fragments_become_snippets() -> None:
    assert snippet_from_marked(f"{PRE}مكتبة{POST} و{PRE}كتب{POST}", "fulltext", None, None) == Snippet(
        "مكتبة وكتب", ((0, 5), (7, 10)), "fulltext"
    )


def test_documents_and_maintenance_bodies() -> None:
    doc = IndexDocument(
        id="abc",
        version=4,
        title="Olive",
        titles=("Olive", "زيتون"),
        abstract="About olives",
        authors=("Sara",),
        contributors=("Omar",),
        subjects=("Agriculture",),
        other="QOU",
        community="agri",
        collection="farming",
        parts=(TextPart("Page one", "fulltext", 7, 1),),
        type="report",
        language="en",
        year=2019,
        date=20190500,
        title_sort="olive",
        license=None,
        oer=True,
        embargo=0,
    )
    assert to_source(doc, 3) == {
        "id": "abc",
        "title": ["Olive", "زيتون"],
        "author": ["Sara", "Omar"],
        "subject": ["Agriculture"],
        "abstract": "About olives",
        "other": "QOU",
        "parts": [{"text": "Page one", "source": "fulltext", "file": 7, "page": 1}],
        "community": "agri",
        "collection": "farming",
        "type": "report",
        "language": "en",
        "subjects": ["Agriculture"],
        "authors": ["Sara"],
        "license": None,
        "flags": ["oer", "fulltext"],
        "year": 2019,
        "date": 20190500,
        "embargo": 0,
        "generation": 3,
        "title_sort": "olive",
        "display": {
            "title": "Olive",
            "type": "report",
            "year": 2019,
            "authors": ["Sara"],
            "abstract_head": "About olives",
        },
    }
    assert embargo_lifted_body(date(2030, 6, 1)) == {
        "query": {"range": {"embargo": {"gte": 1, "lte": 20300601}}},
        "_source": False,
        "size": 10_000,
    }
    assert older_than_body(5) == {"query": {"range": {"generation": {"lt": 5}}}}


def test_elasticsearch_cluster_accepts_the_template() -> None:
    if not ES_URL:
        pytest.skip("set MAWRID_ELASTICSEARCH_URL to run the Elasticsearch behaviour tests against a cluster")
    from indexer.es_index import ElasticsearchIndex

    index = ElasticsearchIndex(ES_URL, f"mawrid-test-{secrets.token_hex(4)}")
    try:
        assert index.count() == 0
        index.save_state({"generation": 1})
        assert index.load_state() == {"generation": 1}
    finally:
        index.delete_index()
        index.close()
