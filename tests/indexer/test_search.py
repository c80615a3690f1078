"""Search behaviour on real items made through the services: relevance, syntax, Arabic, facets, sorting, snippets."""

from __future__ import annotations

import base64
import json

import pytest

from indexer.ports import MAX_CURSOR_CHARS, MAX_WINDOW, Query, Sort, seal_cursor
from indexer.service import at_page
from repository.domain import SYSTEM, FileRole
from repository.errors import InvalidInput
from repository.services.collections import create_collection
from tests.factories import make_item
from tests.indexer.conftest import Finder, add_text
from web.wiring import Wiring

CC_BY = {"uri": "https://creativecommons.org/licenses/by/4.0/"}


def make_corpus(wiring: Wiring, collection: str) -> dict[str, str]:
    """Five items whose words, fields, years and facets the tests below know exactly."""
    create_collection(wiring.uow(), SYSTEM, "media", "courses", "Courses", "المقررات")
    items = {
        "libraries": make_item(
            wiring,
            collection,
            "A study of university libraries",
            creators=[{"name": "Ahmad Khalil"}],
            subjects=[{"value": "Libraries"}],
            date_issued="2019",
            abstracts=[{"value": "Open access collections in the West Bank."}],
            language="en",
            license=CC_BY,
        ),
        "farming": make_item(
            wiring,
            collection,
            "Olive farming in Palestine",
            type="report",
            creators=[{"name": "Sara Nasser"}],
            subjects=[{"value": "Agriculture"}],
            date_issued="2015",
            language="en",
        ),
        "arabic": make_item(
            wiring,
            collection,
            "إدارة المكتبات الجامعية",
            type="thesis",
            creators=[{"name": "محمد علي"}],
            subjects=[{"value": "المكتبات"}],
            date_issued="2021-03",
            language="ar",
        ),
        "course": make_item(
            wiring,
            "courses",
            "Introduction to media studies",
            type="course",
            date_issued="2020",
            abstracts=[{"value": "A self-learning course on journalism and digital media."}],
            creators=[{"name": "Ahmad Khalil"}],
            language="en",
            oer={"educational_level": "undergraduate"},
            license={"uri": "http://creativecommons.org/licenses/by-sa/4.0"},
        ),
        "access": make_item(
            wiring,
            collection,
            "Open access publishing",
            date_issued="2010",
            language="en",
            abstracts=[{"value": "Libraries and open science."}],
            subjects=[{"value": "Libraries"}],
            license=CC_BY,
        ),
    }
    add_text(wiring, items["farming"].id, "The olive harvest of 2014. The village library keeps the rainfall records.")
    add_text(wiring, items["arabic"].id, "تقوم والمكتبة المركزية بدور مهم في إدارة المعرفة.")
    return {name: item.id for name, item in items.items()}


def test_a_title_match_ranks_above_a_body_only_match(find: Finder, wiring: Wiring, collection: str) -> None:
    ids = make_corpus(wiring, collection)
    page = find("library")
    ranked = [h.id for h in page.hits]
    assert set(ranked) == {ids["libraries"], ids["farming"], ids["access"]}
    assert ranked.index(ids["libraries"]) < ranked.index(ids["farming"])
    assert page.hits[0].score is not None and page.hits[0].score > page.hits[-1].score  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("library", {"libraries", "farming", "access"}),
        ("open access", {"libraries", "access"}),
        ('"open access"', {"libraries", "access"}),
        ('"access open"', set()),
        ('"village library"', {"farming"}),
        ("olive OR journalism", {"farming", "course"}),
        ("library -olive", {"libraries", "access"}),
        ("-library", {"arabic", "course"}),
        ("title:library", {"libraries"}),
        ('title:"media studies"', {"course"}),
        ("author:khalil", {"libraries", "course"}),
        ('author:"Sara Nasser"', {"farming"}),
        ("subject:agriculture", {"farming"}),
        ("year:2015", {"farming"}),
        ("year:2019-2021", {"libraries", "arabic", "course"}),
        ("year:<2012", {"access"}),
        ("journal*", {"course"}),
        ("farm* palestine", {"farming"}),
        ("المكت*", {"arabic"}),
        # Malformed: read again as plain words, never an error.
        ('"open access', {"libraries", "access"}),
        ("library OR", {"libraries", "farming", "access"}),
        ("olive OR -farming", {"farming"}),
        ("title: library", {"libraries"}),
        ("year:abc", set()),
        ("!!! ???", set()),
        ("", {"libraries", "farming", "arabic", "course", "access"}),
    ],
)
def test_query_syntax(find: Finder, wiring: Wiring, collection: str, text: str, expected: set[str]) -> None:
    ids = make_corpus(wiring, collection)
    assert find.ids(text) == {ids[name] for name in expected}


@pytest.mark.parametrize(
    ("query", "variants"),
    [
        ("مكتبة", ["المكتبة العامة", "زرت والمكتبة", "مكتبه صغيرة", "مَكْتَبَة الجامعة"]),
        ("إدارة", ["ادارة الموارد", "الإدارة العامة"]),
        ("libraries", ["The library opens", "LIBRARIES of Europe"]),
        ("١٩٤٨", ["events of 1948"]),
    ],
)
def test_arabic_and_english_variants_match(
    find: Finder, wiring: Wiring, collection: str, query: str, variants: list[str]
) -> None:
    wanted = {make_item(wiring, collection, f"Item {n}", abstracts=[{"value": v}]).id for n, v in enumerate(variants)}
    make_item(wiring, collection, "Unrelated", abstracts=[{"value": "كتاب عن الزراعة والبحث"}])
    assert find.ids(query) == wanted


def test_facet_counts_are_exact_and_follow_the_query(find: Finder, wiring: Wiring, collection: str) -> None:
    ids = make_corpus(wiring, collection)
    page = find()
    facets = {f.name: {v.value: v.count for v in f.values} for f in page.facets}
    assert page.total == 5
    assert facets["community"] == {"media": 5}
    assert facets["collection"] == {"journalism": 4, "courses": 1}
    assert facets["type"] == {"article": 2, "report": 1, "thesis": 1, "course": 1}
    assert facets["language"] == {"en": 4, "ar": 1}
    assert facets["year"] == {"2021": 1, "2020": 1, "2019": 1, "2015": 1, "2010": 1}
    assert facets["subject"] == {"Libraries": 2, "Agriculture": 1, "المكتبات": 1}
    assert facets["author"] == {"Ahmad Khalil": 2, "Sara Nasser": 1, "محمد علي": 1}
    assert facets["license"] == {
        "https://creativecommons.org/licenses/by/4.0/": 2,
        "https://creativecommons.org/licenses/by-sa/4.0/": 1,
    }
    assert facets["oer"] == {"true": 1, "false": 4}
    assert facets["fulltext"] == {"true": 2, "false": 3}
    narrowed = {f.name: {v.value: v.count for v in f.values} for f in find("library").facets}
    assert narrowed["type"] == {"article": 2, "report": 1}
    assert narrowed["fulltext"] == {"true": 1, "false": 2}
    assert ids  # the corpus was built


@pytest.mark.parametrize(
    ("filters", "extra", "expected"),
    [
        ({"type": ["article"]}, {}, {"libraries", "access"}),
        ({"type": ["article", "report"]}, {}, {"libraries", "access", "farming"}),
        ({"collection": ["courses"]}, {}, {"course"}),
        ({"author": ["Ahmad Khalil"], "type": ["course"]}, {}, {"course"}),
        ({"oer": ["true"]}, {}, {"course"}),
        ({"fulltext": ["true"]}, {}, {"farming", "arabic"}),
        ({"fulltext": ["false"], "language": ["en"]}, {}, {"libraries", "course", "access"}),
        ({"year": ["2015", "2010"]}, {}, {"farming", "access"}),
        ({"license": ["https://creativecommons.org/licenses/by/4.0/"]}, {}, {"libraries", "access"}),
        ({}, {"year_from": 2016, "year_to": 2020}, {"libraries", "course"}),
        ({"subject": ["Libraries"]}, {}, {"libraries", "access"}),
    ],
)
def test_filters(
    find: Finder,
    wiring: Wiring,
    collection: str,
    filters: dict[str, list[str]],
    extra: dict[str, int],
    expected: set[str],
) -> None:
    ids = make_corpus(wiring, collection)
    assert find.ids(filters=filters, **extra) == {ids[name] for name in expected}


def test_sorts_and_cursor_pages_through_everything_once(find: Finder, wiring: Wiring, collection: str) -> None:
    ids = make_corpus(wiring, collection)
    by_id = {v: k for k, v in ids.items()}
    newest = [by_id[h.id] for h in find(sort=Sort.NEWEST, limit=10).hits]
    assert newest == ["arabic", "course", "libraries", "farming", "access"]
    assert [by_id[h.id] for h in find(sort=Sort.OLDEST, limit=10).hits] == newest[::-1]
    titles = [h.title for h in find(sort=Sort.TITLE, limit=10).hits]
    assert titles[:4] == [
        "A study of university libraries",
        "Introduction to media studies",
        "Olive farming in Palestine",
        "Open access publishing",
    ]
    seen: list[str] = []
    page = find(sort=Sort.NEWEST, limit=2)
    while True:
        seen += [h.id for h in page.hits]
        assert page.total == 5
        if page.cursor is None:
            break
        page = find(sort=Sort.NEWEST, limit=2, cursor=page.cursor)
    assert [by_id[i] for i in seen] == newest


def test_a_foreign_or_broken_cursor_is_refused(find: Finder, wiring: Wiring, collection: str) -> None:
    make_corpus(wiring, collection)
    cursor = find("library", limit=1).cursor
    assert cursor is not None
    with pytest.raises(InvalidInput):
        find("olive", limit=1, cursor=cursor)
    with pytest.raises(InvalidInput):
        find("library", limit=1, cursor="not-a-cursor")


def test_snippet_names_the_pdf_page_and_marks_the_words(find: Finder, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Annual report", abstracts=[{"value": "Figures for the year."}])
    pages = ["Cover page of the report. ", "Contents and a foreword. ", "The libraries of Nablus lend maps. "]
    text = "".join(pages)
    starts = [0, len(pages[0]), len(pages[0]) + len(pages[1])]
    ref = add_text(wiring, item.id, text, page_starts=starts)
    hit = find("nablus library").hits[0]
    assert hit.snippet is not None
    assert (hit.snippet.source, hit.snippet.page, hit.snippet.file_id) == ("fulltext", 3, ref.id)
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.highlights]
    assert marked == ["libraries", "Nablus"]
    assert "<mark>libraries</mark> of <mark>Nablus</mark>" in hit.snippet.html()
    abstract = find("figures").hits[0].snippet
    assert abstract is not None and abstract.source == "abstract" and abstract.highlights


def test_a_phrase_running_over_a_page_break_matches_on_every_backend(
    find: Finder, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, "Proceedings")
    pages = ["The second day opened with open ", "access policies for theses. "]
    add_text(wiring, item.id, "".join(pages), page_starts=[0, len(pages[0])])
    assert [h.id for h in find('"open access"').hits] == [item.id]
    assert find('"theses open"').total == 0  # the page order holds: no phrase backwards over the break


def test_captions_are_searched_without_their_timings(find: Finder, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Recorded lecture", type="video")
    vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nWelcome to the <b>hydrology</b> lecture.\n"
    add_text(wiring, item.id, vtt, role=FileRole.CAPTION, name="lecture.vtt")
    hit = find("hydrology").hits[0]
    assert hit.id == item.id
    assert hit.snippet is not None and hit.snippet.source == "caption"
    assert hit.snippet.text == "Welcome to the hydrology lecture." and "-->" not in hit.snippet.text


def test_a_cursor_not_signed_by_this_installation_is_refused(find: Finder, wiring: Wiring, collection: str) -> None:
    make_corpus(wiring, collection)
    signed = find(sort=Sort.NEWEST, limit=2).cursor
    assert signed is not None
    inner, _, mac = signed.rpartition(".")
    crafted = Query(sort=Sort.NEWEST, limit=2).next_cursor(4)  # right shape and search, never signed
    assert crafted is not None
    for cursor in (inner, crafted, f"{crafted}.{mac}", f"{inner}.{mac[::-1]}"):
        with pytest.raises(InvalidInput):
            find(sort=Sort.NEWEST, limit=2, cursor=cursor)
    other_key = seal_cursor(crafted, "another installation's secret")
    with pytest.raises(InvalidInput):
        find(sort=Sort.NEWEST, limit=2, cursor=other_key)
    assert len(find(sort=Sort.NEWEST, limit=2, cursor=signed).hits) == 2


@pytest.mark.parametrize("offset", [MAX_WINDOW, MAX_WINDOW + 1, 2**40, 2**62, -1, True, "10", 1.5, {"p": 1}])
def test_a_cursor_beyond_the_result_window_is_refused_before_searching(
    find: Finder, wiring: Wiring, collection: str, offset: object
) -> None:
    """Even a cursor signed with the secret (a leaked key, a changed limit) cannot send the index deep."""
    make_corpus(wiring, collection)
    query = Query(sort=Sort.NEWEST, limit=20)
    raw = base64.urlsafe_b64encode(json.dumps({"p": offset, "f": query.fingerprint()}).encode()).decode()
    with pytest.raises(InvalidInput):
        find(sort=Sort.NEWEST, limit=20, cursor=seal_cursor(raw, wiring.settings.secret()))


@pytest.mark.parametrize("sort", [Sort.NEWEST, Sort.TITLE, Sort.RELEVANCE])
def test_a_numbered_page_holds_what_following_the_cursor_reaches(
    find: Finder, wiring: Wiring, collection: str, sort: Sort
) -> None:
    for n in range(7):
        make_item(wiring, collection, f"Water study {n}", date_issued=str(2010 + n))
    key = wiring.settings.secret()
    first = find("water", sort=sort, limit=3)
    followed = find("water", sort=sort, limit=3, cursor=first.cursor)
    third = at_page(Query(text="water", sort=sort, limit=3), 3, cursor_key=key)
    numbered = find(
        "water", sort=sort, limit=3, cursor=at_page(Query(text="water", sort=sort, limit=3), 2, cursor_key=key).cursor
    )
    assert [h.id for h in numbered.hits] == [h.id for h in followed.hits] and numbered.total == 7
    assert len(find("water", sort=sort, limit=3, cursor=third.cursor).hits) == 1
    assert at_page(Query(limit=3), 1, cursor_key=key).cursor is None
    with pytest.raises(InvalidInput):
        at_page(Query(limit=20), MAX_WINDOW // 20 + 1, cursor_key=key)


def test_paging_stops_at_the_result_window() -> None:
    query = Query(limit=20)
    assert query.next_cursor(MAX_WINDOW - 20) is not None
    assert query.next_cursor(MAX_WINDOW) is None
    last = Query(limit=20, cursor=query.next_cursor(MAX_WINDOW - 20))
    assert last.position() == MAX_WINDOW - 20
    with pytest.raises(InvalidInput):  # the same cursor with a larger page would reach past the window
        Query(limit=21, cursor=query.next_cursor(MAX_WINDOW - 20)).position()
    with pytest.raises(InvalidInput):
        Query(cursor="x" * (MAX_CURSOR_CHARS + 1)).position()
