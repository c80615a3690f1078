"""The reading page and its alternative formats, through the app on both backends: who may read, what is cached."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRole, Item, Visibility
from repository.ingest.ports import Extraction
from repository.services.ingest import apply_extraction
from repository.services.workflow import set_embargo
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.web.conftest import sign_in
from web.wiring import Wiring

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PAGES = [
    "مقدمة\n\nتقدم جامعة القدس المفتوحة برامج التعليم المفتوح عبر نظام Moodle في فروعها كلها.\n\n",
    "Methods\n\nThe survey reached students in all of the nineteen branches of the university.\n\n• Gaza\n• Jenin\n",
]
FORMATS = ("epub", "audio", "braille")


def readable_item(wiring: Wiring, collection: str, **extra: object) -> Item:
    """An item whose PDF was extracted as the worker does: two pages, Arabic then English."""
    item = make_item(wiring, collection, "التعليم المفتوح في فلسطين", files={"study.pdf": PDF}, **extra)  # type: ignore[arg-type]
    text = "".join(PAGES)
    extraction = Extraction(
        "application/pdf", "pdf", text=text, page_starts=[0, len(PAGES[0])], page_count=2, language="ar"
    )
    apply_extraction(wiring.uow(), wiring.store, _load(wiring, item.id).originals()[0].id, extraction)
    return _load(wiring, item.id)


def _load(wiring: Wiring, item_id: str) -> Item:
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item_id)


def _text_id(item: Item) -> int:
    return next(f.id for f in item.files if f.role is FileRole.TEXT)


def _needs_tools() -> None:
    for program in ("espeak-ng", "ffmpeg", "lou_translate"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (apt-get install espeak-ng ffmpeg liblouis-bin)")


def test_reading_page_has_structure_page_anchors_and_language_per_block(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = readable_item(wiring, collection)
    assert f'href="/items/{item.id}/read"' in client.get(f"/items/{item.id}", headers={"accept-language": "en"}).text
    page = client.get(f"/items/{item.id}/read", headers={"accept-language": "en"})
    assert page.status_code == 200
    html = page.text
    assert '<h2 id="b0" lang="ar" dir="rtl">مقدمة</h2>' in html
    assert '<p id="b1" lang="ar" dir="rtl">' in html and '<span lang="en" dir="ltr">Moodle</span>' in html
    assert '<h2 id="b2" lang="en" dir="ltr">Methods</h2>' in html and "<li>Jenin</li>" in html
    assert 'id="page-1"' in html and 'id="page-2"' in html and 'role="doc-pagebreak"' in html
    assert 'href="#page-2"' in html and 'aria-label="Contents"' in html
    assert f'href="/items/{item.id}/read/{_text_id(item)}/epub"' in html
    arabic = client.get(f"/items/{item.id}/read", headers={"accept-language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and "إعدادات القراءة" in arabic


def test_each_format_is_made_once_and_served_from_the_store_afterwards(
    client: TestClient, wiring: Wiring, collection: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _needs_tools()
    item = readable_item(wiring, collection)
    first = {name: client.get(f"/items/{item.id}/read/{_text_id(item)}/{name}") for name in FORMATS}
    assert {name: r.status_code for name, r in first.items()} == dict.fromkeys(FORMATS, 200)
    assert first["epub"].headers["content-type"] == "application/epub+zip"
    assert first["epub"].content.startswith(b"PK") and b"application/epub+zip" in first["epub"].content[:60]
    assert first["audio"].headers["content-type"] == "audio/ogg" and first["audio"].content.startswith(b"OggS")
    assert first["braille"].text.strip()
    made = [f for f in _load(wiring, item.id).files if f.role in (FileRole.EPUB, FileRole.SPEECH, FileRole.BRAILLE)]
    assert len(made) == 3 and all(f.details["text_sha256"] for f in made)

    monkeypatch.setenv("PATH", str(tmp_path))  # no tools now: only a cached copy can answer
    again = {name: client.get(f"/items/{item.id}/read/{_text_id(item)}/{name}") for name in FORMATS}
    assert {name: r.content for name, r in again.items()} == {name: r.content for name, r in first.items()}
    assert {name: r.headers["etag"] for name, r in again.items()} == {
        name: r.headers["etag"] for name, r in first.items()
    }
    assert sorted(
        f.id for f in _load(wiring, item.id).files if f.role in (FileRole.EPUB, FileRole.SPEECH, FileRole.BRAILLE)
    ) == sorted(f.id for f in made)


def test_a_format_whose_tool_is_missing_answers_503_saying_what_to_install(
    client: TestClient, wiring: Wiring, collection: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    item = readable_item(wiring, collection)
    monkeypatch.setenv("PATH", str(tmp_path))
    response = client.get(f"/items/{item.id}/read/{_text_id(item)}/audio", headers={"accept-language": "en"})
    assert response.status_code == 503 and "espeak-ng, ffmpeg" in response.text
    page = client.get(f"/items/{item.id}/read", headers={"accept-language": "en"}).text
    assert "/epub" in page and "/audio" not in page and "need tools this server lacks" in page
    assert [f for f in _load(wiring, item.id).files if f.role is FileRole.SPEECH] == []


@pytest.mark.parametrize("hidden", ["private", "draft", "embargoed"])
def test_hidden_items_refuse_the_reading_page_and_every_format_to_anonymous_readers(
    client: TestClient, wiring: Wiring, collection: str, hidden: str
) -> None:
    extra: dict[str, object] = {"visibility": Visibility.RESTRICTED} if hidden == "private" else {}
    item = readable_item(wiring, collection, published=hidden != "draft", **extra)
    if hidden == "embargoed":
        set_embargo(wiring.uow(), LIBRARIAN, item.id, date.today() + timedelta(days=30))
    paths = [f"/items/{item.id}/read"] + [f"/items/{item.id}/read/{_text_id(item)}/{name}" for name in FORMATS]
    assert {p: client.get(p).status_code for p in paths} == dict.fromkeys(paths, 404)
    assert [
        f for f in _load(wiring, item.id).files if f.role in (FileRole.EPUB, FileRole.SPEECH, FileRole.BRAILLE)
    ] == []
    data = client.get(f"/items/{item.id}/metadata.jsonld")
    assert data.status_code == (200 if hidden == "embargoed" else 404)  # an embargoed record stays public
    assert "textual" not in data.text and "structuralNavigation" not in data.text  # but not its text

    sign_in(client, wiring)
    response = client.get(f"/items/{item.id}/read")
    assert response.status_code == 200 and response.headers["cache-control"] == "private, no-store"
    epub = client.get(f"/items/{item.id}/read/{_text_id(item)}/epub")
    assert epub.status_code == 200 and epub.headers["cache-control"] == "private, no-store"


def test_an_item_without_text_has_no_reading_page(client: TestClient, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, files={"scan.pdf": PDF})
    assert client.get(f"/items/{item.id}/read").status_code == 404
    assert "/read" not in client.get(f"/items/{item.id}").text


def test_json_ld_states_the_accessibility_of_a_readable_item(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = readable_item(wiring, collection)
    data = json.loads(client.get(f"/items/{item.id}/metadata.jsonld").text)
    assert data["accessMode"] == ["textual", "visual"]
    assert data["accessModeSufficient"][0]["itemListElement"] == ["textual"]
    assert data["accessibilityHazard"] == "none"
    features = data["accessibilityFeature"]
    assert {
        "structuralNavigation",
        "readingOrder",
        "displayTransformability",
        "tableOfContents",
        "pageNavigation",
    } <= set(features)
    assert ("synthesizedSpeech" in features) == (shutil.which("espeak-ng") is not None)
    assert ("braille" in features) == (shutil.which("lou_translate") is not None)
    assert "EPUB 3" in data["accessibilitySummary"]
    script = client.get(f"/items/{item.id}").text
    assert '"accessibilityFeature"' in script  # the landing page's JSON-LD block says the same


def test_json_ld_of_an_item_without_text_makes_no_text_claims(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, files={"scan.pdf": PDF})
    data = json.loads(client.get(f"/items/{item.id}/metadata.jsonld").text)
    assert data["accessMode"] == ["visual"] and "accessibilityFeature" not in data
