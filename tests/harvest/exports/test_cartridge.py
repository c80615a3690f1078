"""Common Cartridge export: schema-valid against the official CC 1.1 XSDs, and re-importable."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from harvest.crosswalks.context import Context
from harvest.exports.cartridge import attribution_text, cartridge_manifest, write_cartridge
from repository.courses import service as courses
from repository.courses.outline import Lesson, Module, Outline, Resource, outline_from_package
from repository.db.uow import reading
from repository.ingest.extract import extract_file
from repository.services.files import add_file
from tests.factories import make_item
from web.wiring import Wiring

XSD = Path(__file__).resolve().parents[3] / "schemas" / "xsd" / "imscc11"
CTX = Context(base_url="https://repository.example.edu", repository_name="Mawrid", today=date(2026, 1, 1))
CC_BY = {"uri": "https://creativecommons.org/licenses/by/4.0/", "label": "CC BY 4.0"}


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / name), etree.XMLParser(no_network=True)))


@pytest.fixture
def course(wiring: Wiring, collection: str, librarian) -> courses.Course:
    book = make_item(wiring, collection, "مرجع في الفهرسة", license=CC_BY, creators=[{"name": "سعاد يوسف"}])
    item = courses.create_course(
        wiring.uow(),
        librarian,
        collection,
        {
            "titles": [{"value": "مقدمة في علم المكتبات", "lang": "ar"}],
            "type": "course",
            "language": "ar",
            "abstracts": [{"value": "مقرر مفتوح للتعلم الذاتي", "lang": "ar"}],
            "subjects": [{"value": "المكتبات", "lang": "ar"}],
            "creators": [{"name": "هدى سالم"}],
            "license": CC_BY,
        },
    )
    page = add_file(wiring.uow(), wiring.store, librarian, item.id,
                    io.BytesIO("<html><body><h1>الدرس الأول</h1><p>ما هي المكتبة؟</p></body></html>".encode()),
                    "lesson-1.html")  # fmt: skip
    slides = add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"%PDF-1.4 slides"), "شرائح.pdf")
    outline = Outline([
        Module("الوحدة الأولى", [
            Lesson("ما هي المكتبة", [Resource("file", "الدرس الأول", file_id=page.file.id),
                                     Resource("file", "الشرائح", file_id=slides.file.id)]),
            Lesson("قراءة", [Resource("item", "مرجع في الفهرسة", item_id=book.id)]),
        ]),
        Module("الوحدة الثانية", [Lesson("مراجعة", [Resource("file", "الدرس الأول", file_id=page.file.id)])]),
    ])  # fmt: skip
    courses.save_outline(wiring.uow(), librarian, item.id, outline)
    with reading(wiring.engine) as conn:
        return courses.load_course(conn, item.id)


def test_manifest_is_valid_common_cartridge_1_1(course: courses.Course) -> None:
    manifest = cartridge_manifest(course, CTX)
    schema("ccv1p1_imscp_v1p2_v1p0.xsd").assertValid(etree.fromstring(etree.tostring(manifest)))
    ns = {
        "cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
        "lom": "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    }
    assert (
        manifest.findtext("cp:metadata/lom:lom/lom:general/lom:title/lom:string", namespaces=ns)
        == "مقدمة في علم المكتبات"
    )
    types = [r.get("type") for r in manifest.iterfind("cp:resources/cp:resource", ns)]
    assert types == ["webcontent", "webcontent", "imswl_xmlv1p1"]


def test_cartridge_zip_round_trips_through_the_course_extractor(wiring: Wiring, course: courses.Course) -> None:
    with reading(wiring.engine) as conn:
        credits = courses.attributions(conn, course)
    buffer = io.BytesIO()
    write_cartridge(course, wiring.store, CTX, credits, buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    names = set(archive.namelist())
    assert {"imsmanifest.xml", "ATTRIBUTION.txt", "links/R0003.xml"} <= names
    schema("ccv1p1_imswl_v1p1.xsd").assertValid(etree.fromstring(archive.read("links/R0003.xml")))
    assert "سعاد يوسف" in archive.read("ATTRIBUTION.txt").decode()

    buffer.seek(0)
    extraction = extract_file(buffer, "course.imscc")
    assert extraction.kind == "imscc"
    assert extraction.metadata["titles"][0]["value"] == "مقدمة في علم المكتبات"
    assert extraction.metadata["type"] == "course"
    reimported = outline_from_package(extraction.details["outline"], file_id=99)
    shape = [
        (m.title, [(lesson.title, [r.title for r in lesson.resources]) for lesson in m.lessons])
        for m in reimported.modules
    ]
    assert shape == [
        ("الوحدة الأولى", [("ما هي المكتبة", ["الدرس الأول", "الشرائح"]), ("قراءة", ["مرجع في الفهرسة"])]),
        ("الوحدة الثانية", [("مراجعة", ["الدرس الأول"])]),
    ]
    assert "ما هي المكتبة؟" in extraction.text


def test_attribution_lists_every_included_work(wiring: Wiring, course: courses.Course) -> None:
    with reading(wiring.engine) as conn:
        text = attribution_text(courses.attributions(conn, course), CTX)
    assert "“مقدمة في علم المكتبات” by هدى سالم" in text
    assert f"source: {CTX.base_url}/items/" in text and "CC BY 4.0" in text
