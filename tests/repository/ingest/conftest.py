"""Fixtures for the ingest tests: extraction of in-memory files; corpus and OCR results in the summary."""

from __future__ import annotations

import io

import pytest

from repository.ingest.extract import extract_file
from repository.ingest.ports import Extraction

# Unicode blocks an extractor must never leave in text: Arabic presentation forms A and B.
PRESENTATION_FORMS = [(0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]


def extract(data: bytes, name: str) -> Extraction:
    return extract_file(io.BytesIO(data), name)


def has_presentation_forms(text: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in PRESENTATION_FORMS)


# --- corpus results per kind, in the terminal summary ---------------------------------------------

CORPUS_TEST = "test_corpus.py::test_corpus_file["
_corpus_outcomes: dict[str, bool] = {}
OCR_CER: dict[str, float] = {}  # "ar 300 dpi" → character error rate, filled by test_ocr.py
OCR_FOUND: dict[str, float] = {}  # "ar" → share of a scan's words that search finds it by, filled by test_ocr.py


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if CORPUS_TEST in report.nodeid and (report.when == "call" or report.failed):
        path = report.nodeid.split(CORPUS_TEST, 1)[1][:-1]
        _corpus_outcomes[path] = _corpus_outcomes.get(path, True) and report.passed


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OCR_CER:
        rates = ", ".join(f"{page} {rate:.1%}" for page, rate in sorted(OCR_CER.items()))
        terminalreporter.write_line(f"OCR character error rate per scanned page: {rates}")
    if OCR_FOUND:
        shares = ", ".join(f"{lang} {share:.0%}" for lang, share in sorted(OCR_FOUND.items()))
        terminalreporter.write_line(f"OCR'd words that find their scan by search (200 dpi): {shares}")
    if not _corpus_outcomes:
        return
    from tests.repository.ingest.test_corpus import ENTRIES

    per_kind: dict[str, list[bool]] = {}
    for entry in ENTRIES:
        if entry["path"] in _corpus_outcomes:
            per_kind.setdefault(entry["kind"], []).append(_corpus_outcomes[entry["path"]])
    listed = ", ".join(f"{kind} {sum(ok)}/{len(ok)}" for kind, ok in sorted(per_kind.items()))
    terminalreporter.write_line(f"corpus, passed/total per kind: {listed}")
