from __future__ import annotations

import io

import pytest

from repository.courses import service as courses
from repository.courses.outline import Lesson, Module, Outline, Resource, outline_from_json, outline_from_package
from repository.db.uow import reading
from repository.errors import Conflict, InvalidInput
from repository.licenses import Level
from repository.services.files import add_file
from repository.services.workflow import publish_item
from tests.course_factories import CC_BY, CC_BY_NC, course_metadata
from tests.factories import make_item
from web.wiring import Wiring


def test_outline_json_round_trip_and_lesson_numbers() -> None:
    outline = Outline([
        Module("الوحدة الأولى", [Lesson("الدرس 1", [Resource("file", "ملف", file_id=3)]), Lesson("الدرس 2")]),
        Module("Unit 2", [Lesson("Lesson 3", [Resource("item", "A book", item_id="abc", adapted=True)])]),
    ])  # fmt: skip
    again = outline_from_json(outline.to_json())
    assert again == outline
    assert [(n, lesson.title) for n, _, lesson in again.lessons()] == [(1, "الدرس 1"), (2, "الدرس 2"), (3, "Lesson 3")]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"modules": "x"}, "list of modules"),
        ({"modules": [{"title": ""}]}, "module 1: a title"),
        ({"modules": [{"title": "M", "lessons": [{"title": "L", "resources": [{"kind": "file", "title": "f"}]}]}]},
         "needs the id"),
        ({"modules": [{"title": "M", "lessons": [{"title": "L", "resources": [
            {"kind": "package", "title": "p", "file_id": 1, "href": "../x.html"}]}]}]}, "relative page path"),
        ({"modules": [{"title": "M", "lessons": [{"title": "L", "resources": [{"kind": "video", "title": "v"}]}]}]},
         "kind must be"),
    ],
)  # fmt: skip
def test_bad_outline_names_the_problem(data: dict, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        outline_from_json(data)


def test_package_tree_becomes_modules_and_lessons() -> None:
    tree = [
        {"title": "Playing", "href": None, "children": [
            {"title": "Rules", "href": "rules.html", "children": []},
            {"title": "Scoring", "href": "scoring.html", "children": []}]},
        {"title": "Quiz", "href": "quiz.html", "children": []},
    ]  # fmt: skip
    outline = outline_from_package(tree, file_id=7)
    assert [m.title for m in outline.modules] == ["Playing", "Quiz"]
    assert [lesson.title for _, _, lesson in outline.lessons()] == ["Rules", "Scoring", "Quiz"]
    assert outline.modules[0].lessons[0].resources == [Resource("package", "Rules", file_id=7, href="rules.html")]


def test_course_outline_is_versioned_and_frozen_once_published(wiring: Wiring, collection: str, librarian) -> None:
    book = make_item(wiring, collection, "A reference book", license=CC_BY)
    item = courses.create_course(wiring.uow(), librarian, collection, course_metadata())
    slides = add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"%PDF-1.4 slides"), "slides.pdf")
    outline = Outline([Module("الوحدة 1", [Lesson("الدرس 1", [
        Resource("file", "Slides", file_id=slides.file.id), Resource("item", "Book", item_id=book.id)])])])  # fmt: skip
    saved = courses.save_outline(wiring.uow(), librarian, item.id, outline)
    assert saved.outline == outline and saved.item.type == "course"
    publish_item(wiring.uow(), librarian, item.id)
    with pytest.raises(Conflict, match="new edition"):
        courses.save_outline(wiring.uow(), librarian, item.id, Outline())


def test_outline_must_point_at_own_files_and_existing_items(wiring: Wiring, collection: str, librarian) -> None:
    other = make_item(wiring, collection, files={"x.txt": b"x"})
    item = courses.create_course(wiring.uow(), librarian, collection, course_metadata())
    foreign = Outline(
        [Module("M", [Lesson("L", [Resource("file", "F", file_id=other.files[0].id if other.files else 1)])])]
    )
    with pytest.raises(InvalidInput, match="not one of this course's files"):
        courses.save_outline(wiring.uow(), librarian, item.id, foreign)
    missing = Outline([Module("M", [Lesson("L", [Resource("item", "Gone", item_id="no-such-item")])])])
    with pytest.raises(InvalidInput, match="no item no-such-item"):
        courses.save_outline(wiring.uow(), librarian, item.id, missing)


def test_licence_check_warns_about_non_commercial_resource(wiring: Wiring, collection: str, librarian) -> None:
    nc = make_item(wiring, collection, "NC chapter", license=CC_BY_NC)
    ok = make_item(wiring, collection, "Open chapter", license=CC_BY)
    item = courses.create_course(wiring.uow(), librarian, collection, course_metadata())
    outline = Outline(
        [Module("M", [Lesson("L", [Resource("item", "a", item_id=ok.id), Resource("item", "b", item_id=nc.id)])])]
    )
    courses.save_outline(wiring.uow(), librarian, item.id, outline)
    with reading(wiring.engine) as conn:
        course = courses.load_course(conn, item.id)
        checks = courses.check_licenses(conn, course)
        credits = courses.attributions(conn, course)
    assert [(c.item_id, c.verdict.level) for c in checks] == [(nc.id, Level.INCOMPATIBLE), (ok.id, Level.OK)]
    assert [a.title for a in credits] == ["مقدمة في علم المكتبات", "Open chapter", "NC chapter"]
    assert credits[0].authors == ["هدى سالم"] and credits[2].license.key == "cc-by-nc-4.0"


def test_new_edition_and_adaptation_record_their_origin(wiring: Wiring, collection: str, librarian) -> None:
    item = courses.create_course(wiring.uow(), librarian, collection, course_metadata())
    page = add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"<h1>L1</h1>"), "l1.html")
    courses.save_outline(
        wiring.uow(),
        librarian,
        item.id,
        Outline([Module("M", [Lesson("L1", [Resource("file", "L1", file_id=page.file.id)])])]),
    )
    with pytest.raises(Conflict):
        courses.new_edition(wiring.uow(), librarian, item.id)
    publish_item(wiring.uow(), librarian, item.id)
    second = courses.new_edition(wiring.uow(), librarian, item.id)
    adapted = courses.adapt_course(wiring.uow(), librarian, item.id)
    with reading(wiring.engine) as conn:
        ed2 = courses.load_course(conn, second.id)
        ad = courses.load_course(conn, adapted.id)
        first = courses.load_course(conn, item.id)
        lineage = courses.editions(conn, item.id)
    assert (ed2.edition, ed2.previous_edition, ed2.item.status.value) == (2, item.id, "draft")
    assert (ad.edition, ad.adapted_from) == (1, item.id)
    assert {"type": "isBasedOn", "target": item.id, "label": first.item.title} in ad.item.metadata["relations"]
    new_file = ed2.item.files[0]
    assert new_file.key == page.file.key and new_file.id != page.file.id  # same bytes, own row
    assert next(ed2.outline.resources()).file_id == new_file.id
    assert lineage == [(1, item.id), (2, second.id)]
    assert first.item.status.value == "published"


def test_lesson_for_a_file_or_a_package_page() -> None:
    outline = Outline([
        Module("M1", [Lesson("Intro", [Resource("package", "Intro", file_id=5, href="intro.html")]),
                      Lesson("Rules", [Resource("package", "Rules", file_id=5, href="rules.html")])]),
        Module("M2", [Lesson("Slides", [Resource("file", "Slides", file_id=9)])]),
    ])  # fmt: skip
    assert outline.lesson_for(5, "rules.html") == 2
    assert outline.lesson_for(9) == 3 and outline.lesson_for(9, "ignored.html") == 3
    assert outline.lesson_for(5, "missing.html") is None and outline.lesson_for(77) is None
