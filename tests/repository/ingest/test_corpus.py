"""Every file of ../shared/corpus (real files made by other tools) through detection and extraction.

Checks, per its manifest entry: libmagic's MIME type, the detected kind, the fields verified with an
independent tool, that each expected phrase occurs in the extracted text (matching rules of the corpus
README), Arabic detected where the body is Arabic, and hostile files handled as the manifest expects.
Skipped when the corpus is not beside the checkout. The terminal summary reports passed/total per kind
(tests/repository/ingest/conftest.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from repository.errors import ExtractionFailed, MawridError
from repository.ingest.detect import SNIFF_BYTES, sniff_mime
from repository.ingest.ports import Extraction
from repository.ingest.sandbox import Limits, run_limited

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
if not (CORPUS / "manifest.json").is_file():
    pytest.skip(f"no corpus at {CORPUS}", allow_module_level=True)

pytestmark = pytest.mark.corpus
ENTRIES = json.loads((CORPUS / "manifest.json").read_text("utf-8"))["files"]
LIMITS = Limits(seconds=60, memory_mb=2048)
OUR_KIND = {"hostile": None}  # every other manifest kind is also our detected kind
# Manifest values that are wrong, with the right value: tools/verify.py counts ODP slides with the regex
# `<draw:page\b`, which also matches the <draw:page-thumbnail> of the speaker notes; cols.odp has one slide.
CORRECTIONS = {("odp/cols.odp", "slide_count"): 1}
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise(text: str) -> str:
    """The README's phrase matching normalisation, applied to both sides."""
    text = unicodedata.normalize("NFKC", text.translate(_BIDI))
    return re.sub(r"\s+", " ", _MARKS.sub("", text))


def first_value(metadata: dict[str, Any], field: str, key: str) -> Any:
    values = metadata.get(field) or [{}]
    return values[0].get(key)


def field_value(kind: str, name: str, result: Extraction) -> Any:
    """Where each manifest field lives in an extraction."""
    md, details = result.metadata, result.details
    if name == "title":
        return details["title"] if kind in ("video", "audio") else first_value(md, "titles", "value")
    if name == "author":
        return ", ".join(c["name"] for c in md.get("creators", []))
    if name == "creator":
        return first_value(md, "creators", "name")
    if name == "language":
        return md.get("language")
    if name in ("page_count", "slide_count"):
        return result.page_count
    if name == "encoding":
        return details.get("encoding")
    return details.get(name)


def expected_value(name: str, value: Any) -> Any:
    if name == "author":
        return value.strip(" ,;")
    if name == "encoding" and value == "ascii":
        return "utf-8"  # pure ASCII reads as UTF-8, its superset
    return value


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_corpus_file(entry: dict[str, Any]) -> None:
    path = CORPUS / entry["path"]
    expected = entry["expected"]
    with open(path, "rb") as fh:
        assert sniff_mime(fh.read(SNIFF_BYTES)) == expected["mime"]
    try:
        result = run_limited(str(path), path.name, LIMITS)
    except MawridError as exc:  # ExtractionFailed (a crash, a limit) is one too, and would fail below
        hostile = expected.get("hostile") or {}
        assert hostile.get("expect") == "rejected", f"{entry['path']} refused unexpectedly: {exc.message}"
        assert not isinstance(exc, ExtractionFailed) and exc.message
        assert not Path("/tmp/mawrid_traversal.txt").exists() and not Path("/tmp/mawrid_abspath.txt").exists()
        return
    assert result.mime == expected["mime"]
    hostile = expected.get("hostile")
    if hostile:
        expect = hostile["expect"]
        assert expect != "rejected", f"{entry['path']} should have been refused: {hostile['why']}"
        if expect == "flagged":
            assert result.warnings, "a flagged file must come back with a warning"
        elif expect == "metadata-only":
            assert result.text == "" and any("encrypted" in w for w in result.warnings)
        elif expect == "text-only":
            assert result.text
        return
    assert result.kind == OUR_KIND.get(entry["kind"], entry["kind"])
    for name, value in expected.get("fields", {}).items():
        if name == "note":
            continue
        got = field_value(entry["kind"], name, result)
        want = CORRECTIONS.get((entry["path"], name), expected_value(name, value))
        if isinstance(want, float):
            assert got == pytest.approx(want, abs=1e-6), name
        else:
            assert got == want, name
    text = normalise(result.text)
    missing = [p for p in expected.get("phrases", []) if normalise(p) not in text]
    assert not missing, f"phrases not found: {missing}"
    if expected.get("language") == "ar":
        assert result.language == "ar"
    elif expected.get("language"):
        assert result.language != "ar"
