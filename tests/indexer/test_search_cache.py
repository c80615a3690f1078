"""The embedded index remembers counts, facets and pages per index generation: never a stale figure.

These tests write index documents straight through `TantivyIndex.writer()` (as the sync does), so
they can commit between two searches and from a second `TantivyIndex` on the same directory, as a
`reindex` run from the command line does beside a running server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from indexer.documents import IndexDocument, TextPart
from indexer.ports import Access, Page, Query, Sort
from indexer.tantivy_index import TantivyIndex

TODAY = date(2026, 1, 15)
READER = Access(today=TODAY, embargoed=False)


def document(
    n: int, *, kind: str = "article", author: str = "Sara Nasser", text: str = "olive harvest", title: str = ""
) -> IndexDocument:
    title = title or f"Report {n} on the {text}"
    return IndexDocument(
        id=f"item{n:04d}",
        version=1,
        title=title,
        titles=(title,),
        abstract="",
        authors=(author,),
        contributors=(),
        subjects=("Agriculture",),
        other="",
        parts=(TextPart(f"The {text} of {2000 + n}.", "fulltext", 1, 1),),
        community="agriculture",
        collection="agriculture-1",
        type=kind,
        language="en",
        year=2000 + n,
        date=(2000 + n) * 10000 + 101,
        title_sort=title.lower(),
        license=None,
        oer=False,
        embargo=0,
    )


def facets(page: Page) -> dict[str, dict[str, int]]:
    return {f.name: {v.value: v.count for v in f.values} for f in page.facets}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index", idle_release=0.1)
    with index.writer() as w:
        w.upsert([document(n) for n in range(3)])
    yield index
    index.close()


def test_counts_and_facets_follow_every_commit(index: TantivyIndex) -> None:
    query = Query(text="olive")
    assert index.search(query, READER).total == 3
    with index.writer() as w:
        w.upsert([document(3, kind="thesis")])
    page = index.search(query, READER)
    assert page.total == 4
    assert facets(page)["type"] == {"article": 3, "thesis": 1}
    assert len(page.hits) == 4
    with index.writer() as w:
        w.delete(["item0000", "item0003"])
    page = index.search(query, READER)
    assert (page.total, facets(page)["type"], len(page.hits)) == (2, {"article": 2}, 2)


def test_a_commit_from_another_writer_is_seen_by_the_next_search(index: TantivyIndex, tmp_path: Path) -> None:
    query = Query(text="olive", filters={"author": ["Sara Nasser"]})
    assert index.search(query, READER).total == 3
    index.close()  # let go of the directory lock, as a server does between sync batches
    other = TantivyIndex(tmp_path / "index", idle_release=0.1)  # the `reindex` command, in its own process
    with other.writer() as w:
        w.upsert([document(n) for n in range(3, 6)])
    other.close()
    page = index.search(query, READER)
    assert page.total == 6
    assert facets(page)["author"] == {"Sara Nasser": 6}


@pytest.mark.parametrize(
    "query",
    [
        Query(text="olive"),
        Query(text="olive", filters={"type": ["thesis"]}),
        Query(text="olive", sort=Sort.NEWEST, limit=2),
        Query(text='"olive harvest"', facets=(), highlight=False),
        Query(text="", filters={"author": ["Layla Omar", "Sara Nasser"]}, year_from=2003),
        Query(text="nothing-matches-this"),
    ],
)
def test_a_remembered_search_answers_as_a_fresh_one(index: TantivyIndex, tmp_path: Path, query: Query) -> None:
    with index.writer() as w:
        w.upsert([document(n, kind="thesis", author="Layla Omar") for n in range(3, 7)])
    fresh = TantivyIndex(tmp_path / "index", cache_entries=0)  # computes everything, every time
    expected = fresh.search(query, READER)
    for _ in range(2):  # the second time from the caches
        page = index.search(query, READER)
        assert (page.hits, page.total, page.facets, page.cursor) == (
            expected.hits,
            expected.total,
            expected.facets,
            expected.cursor,
        )


def test_the_next_page_keeps_the_counts_and_moves_the_hits(index: TantivyIndex) -> None:
    first = index.search(Query(text="olive", sort=Sort.OLDEST, limit=2), READER)
    second = index.search(Query(text="olive", sort=Sort.OLDEST, limit=2, cursor=first.cursor), READER)
    assert (first.total, second.total) == (3, 3)
    assert second.facets == first.facets
    assert [h.id for h in first.hits + second.hits] == ["item0000", "item0001", "item0002"]
    assert second.cursor is None


def test_what_a_reader_may_see_is_part_of_what_is_remembered(index: TantivyIndex) -> None:
    with index.writer() as w:
        w.upsert([replace(document(9), embargo=20270101, parts=())])  # found by its metadata only
    query = Query(text="olive")
    assert index.search(query, Access(today=TODAY, embargoed=True)).total == 4
    assert index.search(query, READER).total == 3
    assert index.search(query, Access(today=date(2027, 1, 2), embargoed=False)).total == 4


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ('"olive harvest"', {"item0000", "item0001"}),
        ('"harvest olive"', set()),  # the words in the other order
        ('"village harvest"', set()),  # both words, not neighbours
        ('"rainfall records"', {"item0001"}),  # across a page break
        ('"المكتبة المركزية"', {"item0001"}),  # Arabic forms of the neighbouring words
        ('"keeps the olive harvest"', {"item0001"}),  # longer phrases go by positions
    ],
)
def test_two_word_phrases_in_the_full_text_match_neighbours_only(
    tmp_path: Path, phrase: str, expected: set[str]
) -> None:
    index = TantivyIndex(tmp_path / "phrases", idle_release=0.1)
    pages = ("The village keeps the olive harvest. Rainfall", "records of والمكتبة مركزية")
    with index.writer() as w:
        w.upsert(
            [
                replace(document(0, title="One"), parts=(TextPart("The olive harvest.", "fulltext", 1, 1),)),
                replace(
                    document(1), title="Two", parts=tuple(TextPart(t, "fulltext", 1, p) for p, t in enumerate(pages))
                ),
                replace(document(2, title="Three"), parts=(TextPart("harvest, village, olive", "fulltext", 1, 1),)),
            ]
        )
    assert {h.id for h in index.search(Query(text=phrase, facets=()), READER).hits} == expected
    index.close()
