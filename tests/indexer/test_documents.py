"""Items turned into index documents (pure): fields, facets, pages, captions, embargo."""

from __future__ import annotations

from datetime import date, datetime

from indexer.documents import TextPart, caption_text, license_key, page_parts, to_document
from repository.domain import FileRef, FileRole, Item, Status, Visibility

NOW = datetime(2024, 5, 1, 12, 0, 0)


def _file(file_id: int, role: FileRole, source: int | None = None, details: dict[str, object] | None = None) -> FileRef:
    return FileRef(
        id=file_id,
        item_id="abc",
        name=f"f{file_id}",
        size=10,
        sha256="0" * 64,
        md5="0" * 32,
        mime="text/plain",
        role=role,
        key=f"k{file_id}",
        created=NOW,
        source_file_id=source,
        details=details or {},
    )


def _item(embargo_until: date | None = None) -> Item:
    return Item(
        id="abc",
        collection_id="journalism",
        status=Status.PUBLISHED,
        visibility=Visibility.PUBLIC,
        metadata={
            "titles": [{"value": "Olive farming", "lang": "en"}, {"value": "زراعة الزيتون", "lang": "ar"}],
            "type": "lesson",
            "creators": [{"name": "Sara Nasser"}],
            "contributors": [{"name": "Omar Saleh"}],
            "subjects": [{"value": "Agriculture "}, {"value": "Agriculture"}],
            "date_issued": "2019-05",
            "publisher": "QOU Press",
            "license": {"uri": "http://creativecommons.org/licenses/by-nc/4.0"},
        },
        datestamp=NOW,
        created=NOW,
        embargo_until=embargo_until,
        files=[
            _file(1, FileRole.ORIGINAL),
            _file(2, FileRole.TEXT, source=1, details={"page_starts": [0, 6]}),
            _file(3, FileRole.CAPTION),
        ],
    )


def test_document_fields_and_facets() -> None:
    texts = {2: "Page1 Page2 text", 3: "WEBVTT\n\n00:00.000 --> 00:02.000\nHello"}
    doc = to_document(_item(), "agriculture", texts, date(2024, 5, 1))
    assert doc.titles == ("Olive farming", "زراعة الزيتون") and doc.title == "Olive farming"
    assert (doc.community, doc.collection, doc.type, doc.language) == ("agriculture", "journalism", "lesson", "en")
    assert (doc.year, doc.date, doc.title_sort) == (2019, 20190500, "olive farming")
    assert doc.subjects == ("Agriculture",) and doc.contributors == ("Omar Saleh",)
    assert doc.license == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert doc.oer and doc.fulltext and doc.embargo == 0
    assert "QOU Press" in doc.other
    assert doc.parts == (
        TextPart("Page1 ", "fulltext", 1, 1),
        TextPart("Page2 text", "fulltext", 1, 2),
        TextPart("Hello", "caption", 3, None),
    )


def test_an_embargoed_item_is_indexed_by_its_metadata_only() -> None:
    doc = to_document(_item(embargo_until=date(2025, 1, 31)), "agriculture", {2: "secret"}, date(2024, 5, 1))
    assert doc.parts == () and not doc.fulltext and doc.embargo == 20250131
    lifted = to_document(_item(embargo_until=date(2025, 1, 31)), "agriculture", {2: "secret"}, date(2025, 1, 31))
    assert lifted.fulltext and lifted.embargo == 0


def test_page_offsets_that_make_no_sense_leave_the_text_whole() -> None:
    assert page_parts("abc def", [0, 4], 7) == [TextPart("abc ", "fulltext", 7, 1), TextPart("def", "fulltext", 7, 2)]
    for bad in ([4, 2], "0,4", [0, "4"], [0, 99], [True, 3], []):
        assert page_parts("abc def", bad, 7) == [TextPart("abc def", "fulltext", 7, None)]


def test_caption_text_keeps_only_the_words() -> None:
    srt = (
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nFirst <i>line</i>\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\nSecond\r\n"
    )
    assert caption_text(srt) == "First line\nSecond"
    vtt = "WEBVTT\n\nNOTE a comment\nspanning lines\n\ncue-1\n00:01.000 --> 00:02.000 align:start\nمرحبا\n"
    assert caption_text(vtt) == "مرحبا"
    assert caption_text("no timings here") == "no timings here"


def test_license_keys_are_canonical() -> None:
    assert license_key({"uri": "https://creativecommons.org/publicdomain/zero/1.0/"}) == (
        "https://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert license_key({"uri": " https://example.org/terms "}) == "https://example.org/terms"
    assert license_key(None) is None
