"""OCR of scanned PDF pages: Tesseract reads pages without a usable text layer, and only those.

The scans are drawn by the tests (tests/repository/ingest/builders.py: shaped Arabic and English print, blurred,
specked and skewed, saved by Pillow as image-only PDFs) at 200 and 300 dpi. Tests that run Tesseract
skip when it is not installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import jiwer
import pytest

from indexer import service
from indexer.ports import Query
from indexer.sync import sync
from indexer.tantivy_index import TantivyIndex
from repository.db import records
from repository.db.uow import reading
from repository.domain import ANONYMOUS, FileRole
from repository.ingest import ocr
from repository.ingest.sandbox import Limits, run_limited
from repository.jobs import queue as jobs
from repository.jobs.pool import ResourcesFactory, run_pending_jobs
from tests.factories import make_item
from tests.repository.ingest import builders
from tests.repository.ingest.conftest import OCR_CER, OCR_FOUND, extract, has_presentation_forms
from tests.workers import FAST
from web.wiring import Wiring

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (apt-get install tesseract-ocr-ara)"
)
# Bounds on the character error rate of a page, per language; the run's figures are printed at the end.
CER_BOUND = {"ar": 0.08, "en": 0.04}
LINES = {"ar": builders.SCAN_ARABIC, "en": builders.SCAN_ENGLISH}


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def mixed_pdf() -> bytes:
    """Page 1 with a good English text layer, page 2 an Arabic scan."""
    scan = builders.image_pdf([builders.scanned_page(builders.SCAN_ARABIC, dpi=300)], 300)
    return builders.join_pdfs(builders.pdf([builders.ENGLISH_LINES]), scan)


@needs_tesseract
@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_scanned_page_is_read_within_a_character_error_rate(language: str, dpi: int) -> None:
    lines = LINES[language]
    result = extract(builders.image_pdf([builders.scanned_page(lines, dpi=dpi)], dpi), "scan.pdf")
    assert result.details["ocr"]["pages"] == [1] and result.details["ocr"]["dpi"] == [dpi]
    assert "needs_ocr" not in result.details and result.page_starts == [0]
    error_rate = jiwer.cer(words(" ".join(lines)), words(result.text))
    OCR_CER[f"{language} {dpi} dpi"] = error_rate
    assert error_rate <= CER_BOUND[language], result.text
    assert not has_presentation_forms(result.text)
    assert result.language == language


@needs_tesseract
def test_a_mixed_pdf_ocrs_only_its_image_page_and_keeps_a_searchable_copy() -> None:
    result = extract(mixed_pdf(), "mixed.pdf")
    assert result.details["ocr"]["pages"] == [2]
    first, second = result.text[: result.page_starts[1]], result.text[result.page_starts[1] :]
    assert words(first) == words(" ".join(builders.ENGLISH_LINES))  # the text layer, untouched
    assert builders.SCAN_ARABIC[3] in second  # the scan's line, in logical order
    assert builders.SCAN_ARABIC[3][::-1] not in second
    # The copy carries the recognised text on page 2, so it needs no OCR and PDFium reads it in logical order.
    assert result.searchable_pdf is not None
    copy = extract(result.searchable_pdf, "mixed.ocr.pdf")
    assert "ocr" not in copy.details and "needs_ocr" not in copy.details
    assert words(copy.text[copy.page_starts[1] :]) == words(second)


@needs_tesseract
def test_a_garbled_text_layer_is_read_again() -> None:
    mojibake = "ÇáÌÇãÚÉ ÇáãÝÊæÍÉ ÊÎÏã ÇáØáÇÈ Ýí ÝáÓØíä ÇáÈÍË ÇáÚáãí æãÕÇÏÑ ÇáÊÚáã"  # Arabic read as Latin-1
    result = extract(builders.scan_with_garbled_layer(builders.SCAN_ENGLISH, mojibake), "old-ocr.pdf")
    assert result.details["ocr"]["pages"] == [1]
    assert builders.SCAN_ENGLISH[2] in result.text and "ÇáÌÇãÚÉ" not in result.text


def test_garbled_text_is_told_from_good_text() -> None:
    good = [
        *builders.SCAN_ARABIC,
        *builders.SCAN_ENGLISH,
        "Table 3: results 2019–2021 (n = 1,204), p. 14",
        "Η βιβλιοθήκη του ανοιχτού πανεπιστημίου",  # another script is still words
    ]
    for text in good:
        assert ocr.unusable_text(text * 2, draws_image=lambda: True) is None, text
    assert ocr.unusable_text("ÇáÌÇãÚÉ ÇáãÝÊæÍÉ ÊÎÏã ÇáØáÇÈ Ýí ÝáÓØíä", draws_image=lambda: False) == "garbled"
    assert ocr.unusable_text("\ue001\ue002\ue003 " * 10, draws_image=lambda: False) == "garbled"  # private use
    assert ocr.unusable_text("- 12 -", draws_image=lambda: True) == "no text"  # a scan with a page number
    assert ocr.unusable_text("- 12 -", draws_image=lambda: False) is None  # a blank page: nothing to read


def test_without_tesseract_scanned_pages_are_flagged_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract here, installed or not
    result = extract(builders.join_pdfs(builders.pdf([builders.ENGLISH_LINES]), builders.scanned_pdf(2)), "s.pdf")
    assert result.details["needs_ocr"] is True and result.details["ocr_pending"] == [2, 3]
    assert any(w.startswith("OCR unavailable: install tesseract-ocr") for w in result.warnings)
    assert builders.ENGLISH_LINES[0] in result.text and result.searchable_pdf is None


@needs_tesseract
def test_ocr_stops_at_the_time_limit_and_lists_the_pages_left() -> None:
    with ocr.time_budget(0):
        result = extract(builders.scanned_pdf(2), "scan.pdf")
    assert result.details["needs_ocr"] is True and result.details["ocr_pending"] == [1, 2]
    assert any(w.startswith("OCR stopped at page 1") for w in result.warnings)


@needs_tesseract
def test_ocr_text_is_found_by_search_with_its_page(
    wiring: Wiring, collection: str, factory: ResourcesFactory, tmp_path: Path
) -> None:
    item = make_item(wiring, collection, "Scanned journal", files={"journal.pdf": mixed_pdf()})
    summary = run_pending_jobs(factory, wiring.engine, FAST, workers=1)
    assert summary.done == 1 and not summary.failures
    with reading(wiring.engine) as conn:
        files = records.load_item(conn, item.id).files
    [copy] = [f for f in files if f.role is FileRole.SEARCHABLE]
    assert copy.name == "journal.ocr.pdf" and copy.mime == "application/pdf"
    index, key = TantivyIndex(tmp_path / "index"), wiring.settings.secret()
    try:
        sync(wiring.engine, wiring.store, index)
        page = service.search(index, ANONYMOUS, Query(text="الأرشيف الرقمي"), cursor_key=key)
        assert [h.id for h in page.hits] == [item.id]
        snippet = page.hits[0].snippet
        assert snippet is not None and snippet.page == 2 and "الأرشيف" in snippet.text
        english = service.search(index, ANONYMOUS, Query(text="branch of the university"), cursor_key=key)
        assert english.hits[0].snippet is not None and english.hits[0].snippet.page == 1
    finally:
        index.close()


@needs_tesseract
@pytest.mark.parametrize("wiring", ["embedded"], indirect=True)  # the OCR is the same on both backends
def test_nearly_every_word_of_a_scan_finds_it_by_search(
    wiring: Wiring, collection: str, factory: ResourcesFactory, tmp_path: Path
) -> None:
    scans = {lang: builders.image_pdf([builders.scanned_page(LINES[lang], dpi=200)], 200) for lang in LINES}
    items = {
        lang: make_item(wiring, collection, f"Scan {lang}", files={"scan.pdf": pdf}) for lang, pdf in scans.items()
    }
    assert run_pending_jobs(factory, wiring.engine, FAST, workers=1).done == 2
    index, key = TantivyIndex(tmp_path / "index"), wiring.settings.secret()
    try:
        sync(wiring.engine, wiring.store, index)
        for lang, item in items.items():
            known = sorted({w.strip(".,") for line in LINES[lang] for w in line.split() if len(w.strip(".,")) > 2})
            found = [w for w in known if item.id in {h.id for h in service.search(
                index, ANONYMOUS, Query(text=w, limit=5), cursor_key=key).hits}]  # fmt: skip
            OCR_FOUND[lang] = len(found) / len(known)
            assert OCR_FOUND[lang] >= 0.95, sorted(set(known) - set(found))
    finally:
        index.close()


@needs_tesseract
def test_a_scan_longer_than_the_time_limit_comes_back_partly_read(tmp_path: Path) -> None:
    # 150 small pages of two lines each: far more than the sandbox's 8 seconds can read on a fast machine.
    pages = 150
    strip = builders.scanned_page(builders.SCAN_ENGLISH[:2], dpi=200).crop((0, 0, 1654, 300))
    path = tmp_path / "long-scan.pdf"
    path.write_bytes(builders.image_pdf([strip] * pages, 200))
    result = run_limited(str(path), path.name, Limits(seconds=8, memory_mb=2048))
    read, pending = result.details["ocr"]["pages"], result.details["ocr_pending"]
    assert read and pending and read + pending == list(range(1, pages + 1))
    assert result.details["needs_ocr"] is True and builders.SCAN_ENGLISH[0] in result.text
    assert any(w.startswith(f"OCR stopped at page {pending[0]}") for w in result.warnings)


@pytest.mark.parametrize("wiring", ["embedded"], indirect=True)  # the job path; test_ocr_text_… covers both
def test_without_tesseract_the_job_warns_that_ocr_is_unavailable(
    wiring: Wiring, collection: str, factory: ResourcesFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # the worker processes inherit it
    make_item(wiring, collection, "Scan", files={"scan.pdf": builders.scanned_pdf(1)})
    summary = run_pending_jobs(factory, wiring.engine, FAST, workers=1)
    assert summary.done == 1
    with reading(wiring.engine) as conn:
        [view] = jobs.list_jobs(conn)
    assert any(w.startswith("OCR unavailable: install tesseract-ocr") for w in view.warnings)
