"""Courses for the tests, made through the services: metadata, a full Arabic course, ingest in this process."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from repository.courses import service as courses
from repository.courses.outline import Lesson, Module, Outline, Resource
from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRole, Item
from repository.ingest.extract import extract_file
from repository.services.files import add_file
from repository.services.ingest import apply_extraction
from repository.services.workflow import publish_item
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.repository.ingest.builders import pdf
from web.wiring import Wiring

CC_BY = {"uri": "https://creativecommons.org/licenses/by/4.0/", "label": "CC BY 4.0"}
CC_BY_SA = {"uri": "https://creativecommons.org/licenses/by-sa/4.0/", "label": "CC BY-SA 4.0"}
CC_BY_NC = {"uri": "https://creativecommons.org/licenses/by-nc/4.0/", "label": "CC BY-NC 4.0"}
PDF = pdf(
    [["Library slides: what a library is", "Catalogues and shelves"]], title="Library slides", author="Huda Salem"
)
DEMO = Path(__file__).resolve().parents[1] / "demo" / "items"


def ingest(wiring: Wiring, item_id: str) -> Item:
    """Extract every original file of the item in this process, as an ingest worker would, and record it."""
    with reading(wiring.engine) as conn:
        item = records.load_item(conn, item_id)
    for ref in item.originals():
        with wiring.store.open(ref.key) as fh:
            data = io.BytesIO(fh.read())
        apply_extraction(wiring.uow(), wiring.store, ref.id, extract_file(data, ref.name))
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item_id)


def course_metadata(title: str = "مقدمة في علم المكتبات", lang: str = "ar", **extra: Any) -> dict[str, Any]:
    return {
        "titles": [{"value": title, "lang": lang}],
        "type": "course",
        "language": lang,
        "abstracts": [{"value": "مقرر مفتوح للتعلم الذاتي عن المكتبات", "lang": lang}],
        "creators": [{"name": "هدى سالم"}],
        "contributors": [{"name": "Omar Darwish", "role": "instructional_designer"}],
        "license": CC_BY,
        "oer": {
            "course_code": "LIB101",
            "educational_level": "undergraduate",
            "time_required": "PT10H",
            "teaches": ["الفهرسة الوصفية", "البحث في الفهارس"],
        },
        **extra,
    }


def make_course(wiring: Wiring, collection: str, *, published: bool = True, **extra: Any) -> Item:
    """An Arabic course: slides (PDF), a page, a video with captions, and a linked public book."""
    book = make_item(wiring, collection, "مرجع في الفهرسة", license=CC_BY, creators=[{"name": "سعاد يوسف"}])
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata(**extra))

    def add(name: str, data: bytes) -> int:
        return add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(data), name).file.id

    slides, page = (
        add("شرائح.pdf", PDF),
        add("lesson-1.html", "<html><body><p>ما هي المكتبة؟</p></body></html>".encode()),
    )
    video = add("intro.mp4", (DEMO / "two-mice.mp4").read_bytes())
    captions = (DEMO / "two-mice.vtt").read_bytes()
    add_file(
        wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(captions), "intro.ar.vtt", role=FileRole.CAPTION
    )
    outline = Outline([
        Module("الوحدة الأولى", [
            Lesson("ما هي المكتبة", [Resource("file", "الشرائح", file_id=slides),
                                     Resource("file", "الدرس", file_id=page)]),
            Lesson("قراءة", [Resource("item", "مرجع في الفهرسة", item_id=book.id)]),
        ]),
        Module("الوحدة الثانية", [Lesson("مقطع مرئي", [Resource("file", "تعريف", file_id=video)])]),
    ])  # fmt: skip
    courses.save_outline(wiring.uow(), LIBRARIAN, item.id, outline)
    if published:
        publish_item(wiring.uow(), LIBRARIAN, item.id)
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item.id)
