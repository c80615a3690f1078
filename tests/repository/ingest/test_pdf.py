from __future__ import annotations

from datetime import UTC, datetime

import pytest

from repository.ingest.pdf import split_authors
from tests.repository.ingest import builders
from tests.repository.ingest.conftest import extract, has_presentation_forms


def test_shaped_arabic_comes_out_in_logical_order_with_ordinary_letters() -> None:
    pages = [builders.ARABIC_LINES, [*builders.ARABIC_LINES, builders.ENGLISH_LINES[0]]]
    result = extract(builders.pdf(pages), "بحث.pdf")
    assert result.kind == "pdf" and result.page_count == 2
    for line in builders.ARABIC_LINES:  # "الطلاب" has a lam-alef ligature glyph: it must not come out as "الطالب"
        assert line in result.text
    assert "الطالب" not in result.text
    assert not has_presentation_forms(result.text)
    assert result.language == "ar" and result.metadata["language"] == "ar"


def test_visual_order_presentation_forms_are_reordered_and_normalised() -> None:
    result = extract(builders.visual_arabic_pdf(builders.ARABIC_LINES), "visual.pdf")
    assert builders.ARABIC_LINES[0] in result.text
    reversed_word = "فلسطين"[::-1]
    assert reversed_word not in result.text
    assert not has_presentation_forms(result.text)


def test_metadata_pages_thumbnail_and_doi() -> None:
    data = builders.pdf(
        [["First page about DOI 10.1234/mawrid.5678 and libraries."], builders.ENGLISH_LINES],
        title="Open Libraries in Palestine",
        author="Sara Haddad, Ahmad Khalil",
        subject="How open universities run libraries",
        keywords="libraries; open access",
        created=datetime(2021, 6, 14, tzinfo=UTC),
    )
    result = extract(data, "paper.pdf")
    md = result.metadata
    assert md["titles"] == [{"value": "Open Libraries in Palestine", "lang": "en"}]
    assert [c["name"] for c in md["creators"]] == ["Sara Haddad", "Ahmad Khalil"]
    assert md["subjects"] == [{"value": "libraries"}, {"value": "open access"}]
    assert md["abstracts"] == [{"value": "How open universities run libraries"}]
    assert md["date_issued"] == "2021-06-14"
    assert md["identifiers"] == [{"scheme": "doi", "value": "10.1234/mawrid.5678"}]
    assert result.page_count == 2 and len(result.page_starts) == 2
    second = result.text[result.page_starts[1] :]
    assert second.startswith(builders.ENGLISH_LINES[0])
    assert result.thumbnail is not None and result.thumbnail.data[:3] == b"\xff\xd8\xff"


def test_author_lists_split_but_inverted_names_stay_whole() -> None:
    assert split_authors("Ann One, Bob Two and Cy Three,") == ["Ann One", "Bob Two", "Cy Three"]
    assert split_authors("Ye, Lei") == ["Ye, Lei"]
    assert split_authors("A. One; B. Two") == ["A. One", "B. Two"]


def test_scanned_pdf_is_flagged_for_ocr_when_tesseract_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # tests/repository/ingest/test_ocr.py reads scans with Tesseract
    result = extract(builders.scanned_pdf(pages=2), "scan.pdf")
    assert result.page_count == 2 and result.text == ""
    assert result.details["needs_ocr"] is True
    assert any(w.startswith("OCR unavailable") for w in result.warnings)


def test_encrypted_pdf_opens_with_the_empty_password_and_not_otherwise() -> None:
    plain = builders.pdf([builders.ENGLISH_LINES], title="Locked report")
    opened = extract(builders.encrypted_pdf(plain, user_password=""), "owner-only.pdf")
    assert builders.ENGLISH_LINES[0] in opened.text
    assert opened.metadata["titles"][0]["value"] == "Locked report"
    locked = extract(builders.encrypted_pdf(plain, user_password="secret-user"), "locked.pdf")
    assert locked.text == "" and locked.details == {"encrypted": True}
    assert any("password" in w for w in locked.warnings)


def test_truncated_pdf_is_flagged_damaged_not_fatal() -> None:
    data = builders.pdf([builders.ENGLISH_LINES] * 3)
    result = extract(data[: len(data) // 3], "cut.pdf")
    assert result.kind == "pdf"
    assert result.details.get("damaged") or any(w.startswith("damaged") for w in result.warnings)
