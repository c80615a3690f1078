"""The course builder in the workspace: plain forms that create a course, shape its outline and publish it."""

from __future__ import annotations

import re
from itertools import product

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from repository.courses import service as courses
from repository.courses.outline import Lesson, Module, Outline, Resource
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Item
from repository.licenses import CATALOGUE, check_inclusion, license_for
from tests.conftest import LIBRARIAN
from tests.course_factories import CC_BY, CC_BY_NC, course_metadata, ingest
from tests.factories import make_item
from tests.repository.ingest.package_builders import probe_package
from tests.web.conftest import csrf_of
from web.courses import outline_form
from web.courses.labels import verdict_text
from web.wiring import Wiring

EN = {"accept-language": "en"}


def outline_of(wiring: Wiring, item_id: str) -> Outline:
    with reading(wiring.engine) as conn:
        return courses.load_course(conn, item_id).outline


def item_of(wiring: Wiring, item_id: str) -> Item:
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item_id)


def shape(outline: Outline) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    return [(m.title, [(lesson.title, [r.title for r in lesson.resources]) for lesson in m.lessons])
            for m in outline.modules]  # fmt: skip


def edit(client: TestClient, item_id: str, lang: str = "ar", **fields: object) -> Response:
    """Submit one outline form as the builder page draws it, CSRF token and outline digest taken from the page
    (a frozen page has no outline forms: then the digest of the stored outline stands in)."""
    page = client.get(f"/workspace/courses/{item_id}").text
    drawn = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    wiring: Wiring = client.app.state.wiring  # type: ignore[attr-defined]
    digest = drawn.group(1) if drawn else outline_form.digest(outline_of(wiring, item_id))
    data = {"csrf_token": csrf_of(page), "digest": digest, **fields}
    return client.post(f"/workspace/courses/{item_id}/outline", data={k: str(v) for k, v in data.items()},
                       headers={"accept-language": lang}, follow_redirects=False)  # fmt: skip


def test_a_librarian_creates_a_course_through_the_form(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    form = {
        "csrf_token": staff, "title": "Digital archives", "title_lang": "en", "collection": collection,
        "abstract": "Keeping documents for the long term.", "creators": "Rana Khalil\nSami Odeh",
        "course_code": "ARC201", "educational_level": "postgraduate", "language": "en", "time_required": "PT1H30M",
        "license": "https://creativecommons.org/licenses/by-sa/4.0/", "teaches": "Appraise records\n\nPlan storage",
        "contributors-name": ["Lina Haddad", ""], "contributors-role": ["reviewer", ""],
    }  # fmt: skip
    created = client.post("/workspace/courses/new", data=form, follow_redirects=False)
    assert created.status_code == 303
    item_id = created.headers["location"].rsplit("/", 1)[1]
    with reading(wiring.engine) as conn:
        course = courses.load_course(conn, item_id)
    meta = course.item.metadata
    assert meta["type"] == "course" and meta["titles"] == [{"value": "Digital archives", "lang": "en"}]
    assert meta["creators"] == [{"name": "Rana Khalil"}, {"name": "Sami Odeh"}]
    assert meta["license"] == {"uri": "https://creativecommons.org/licenses/by-sa/4.0/", "label": "CC BY-SA 4.0"}
    assert meta["oer"] == {"course_code": "ARC201", "educational_level": "postgraduate", "time_required": "PT1H30M",
                           "teaches": ["Appraise records", "Plan storage"]}  # fmt: skip
    assert meta["contributors"] == [{"name": "Lina Haddad", "role": "reviewer"}]
    assert course.outline == Outline() and course.edition == 1
    assert "The outline is empty" in client.get(created.headers["location"], headers=EN).text
    # A bad value is reported on the form, what was typed is kept, and nothing is created.
    with reading(wiring.engine) as conn:
        before = conn.execute(select(func.count()).select_from(t.courses)).scalar_one()
    refused = client.post("/workspace/courses/new", data=form | {"time_required": "ten hours"}, headers=EN)
    assert refused.status_code == 422 and "The course could not be created" in refused.text
    assert 'value="Digital archives"' in refused.text and "Appraise records" in refused.text
    with reading(wiring.engine) as conn:
        assert conn.execute(select(func.count()).select_from(t.courses)).scalar_one() == before


def test_the_outline_is_built_and_reordered_one_form_at_a_time(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    book = make_item(wiring, collection, "A reference book", license=CC_BY)
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata())
    client.post(f"/workspace/items/{item.id}/files", data={"csrf_token": staff, "role": "original"},
                files={"files": ("notes.pdf", b"%PDF-1.4 notes", "application/pdf")})  # fmt: skip
    for title in ("Unit A", "Unit B"):
        assert edit(client, item.id, op="add-module", title=title).status_code == 303
    edit(client, item.id, op="add-lesson", m=1, title="Intro")
    edit(client, item.id, op="add-lesson", m=2, title="Reading")
    file_id = next(f.id for f in item_of(wiring, item.id).files if f.name == "notes.pdf")
    edit(client, item.id, op="add-resource", m=1, l=1, target=f"file:{file_id}")  # titled after the file
    done = edit(client, item.id, op="add-resource", m=2, l=1, item=book.id, adapted="yes")
    assert done.headers["location"].endswith("#m2-l1")
    assert shape(outline_of(wiring, item.id)) == [
        ("Unit A", [("Intro", ["notes"])]), ("Unit B", [("Reading", ["A reference book"])]),
    ]  # fmt: skip
    assert next(outline_of(wiring, item.id).resources()).file_id == file_id
    edit(client, item.id, op="rename-lesson", m=1, l=1, title="Introduction")
    moved = edit(client, item.id, op="lesson-up", m=2, l=1)  # the first lesson of B moves to the end of A
    assert moved.headers["location"].endswith("#m1-l2")
    edit(client, item.id, op="module-down", m=1)
    edit(client, item.id, op="toggle-adapted", m=2, l=2, r=1)
    assert shape(outline_of(wiring, item.id)) == [
        ("Unit B", []), ("Unit A", [("Introduction", ["notes"]), ("Reading", ["A reference book"])]),
    ]  # fmt: skip
    assert [r.adapted for r in outline_of(wiring, item.id).resources()] == [False, False]
    edit(client, item.id, op="delete-module", m=1)
    edit(client, item.id, op="delete-resource", m=1, l=1, r=1)
    assert shape(outline_of(wiring, item.id)) == [("Unit A", [("Introduction", []), ("Reading", ["A reference book"])])]
    with reading(wiring.engine) as conn:
        history = [v.action for v in records.list_versions(conn, item.id)]
    assert history.count("outline") == 12  # every edit is a version of the course


def test_stale_and_bad_edits_change_nothing(client: TestClient, wiring: Wiring, collection: str, staff: str) -> None:
    other = make_item(wiring, collection, "Other item", files={"x.pdf": b"%PDF-1.4 x"})
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata())
    edit(client, item.id, op="add-module", title="Unit A")
    edit(client, item.id, op="add-lesson", m=1, title="Intro")
    before = outline_of(wiring, item.id)
    page = client.get(f"/workspace/courses/{item.id}").text
    stale = {"csrf_token": csrf_of(page), "digest": "0" * 16, "op": "delete-module", "m": "1"}
    refused = client.post(f"/workspace/courses/{item.id}/outline", data=stale, headers=EN)
    assert refused.status_code == 409 and "changed meanwhile" in refused.text
    cases = [
        {"op": "rename-module", "m": 3, "title": "X"},  # no module 3
        {"op": "rename-lesson", "m": 1, "l": 1, "title": "  "},  # no title
        {"op": "add-resource", "m": 1, "l": 1, "target": f"file:{other.files[0].id}"},  # another item's file
        {"op": "add-resource", "m": 1, "l": 1, "item": item.id},  # the course itself
        {"op": "add-resource", "m": 1, "l": 1, "item": "no-such-item"},
        {"op": "explode"},
    ]
    for case in cases:
        response = edit(client, item.id, "en", **case)
        assert response.status_code in (400, 404), (case, response.status_code)
        assert "That change was not made" in response.text
    assert outline_of(wiring, item.id) == before
    no_token = client.post(f"/workspace/courses/{item.id}/outline", data={"op": "add-module", "title": "Sneaky"})
    assert no_token.status_code == 403 and outline_of(wiring, item.id) == before
    client.post("/logout", data={"csrf_token": staff})
    anonymous = client.post(f"/workspace/courses/{item.id}/outline", data={"op": "add-module", "title": "X"},
                            follow_redirects=False)  # fmt: skip
    assert anonymous.status_code in (401, 403) and outline_of(wiring, item.id) == before


def test_licence_verdicts_stand_before_publishing(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    nc = make_item(wiring, collection, "NonCommercial chapter", license=CC_BY_NC)
    ok = make_item(wiring, collection, "Open chapter", license=CC_BY)
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata())
    courses.save_outline(wiring.uow(), LIBRARIAN, item.id, Outline([Module("M", [Lesson("L", [
        Resource("item", "Open", item_id=ok.id), Resource("item", "NC", item_id=nc.id)])])]))  # fmt: skip
    builder = client.get(f"/workspace/courses/{item.id}", headers=EN).text
    licences = builder.split('id="licences-title"')[1]
    assert licences.index("Incompatible:") < licences.index("Compatible:")  # worst first
    assert "CC BY-NC 4.0 forbids commercial use, but the course&#39;s CC BY 4.0 allows it" in licences
    arabic = client.get(f"/workspace/courses/{item.id}", headers={"accept-language": "ar"}).text
    assert "CC BY-NC 4.0 تمنع الاستخدام التجاري، لكن رخصة المقرر CC BY 4.0 تسمح به" in arabic
    refused = client.post(f"/workspace/courses/{item.id}/publish", data={"csrf_token": staff}, headers=EN)
    assert refused.status_code == 409 and "The course was not published" in refused.text
    assert item_of(wiring, item.id).status.value == "draft"
    published = client.post(f"/workspace/courses/{item.id}/publish", data={"csrf_token": staff, "confirm": "yes"},
                             follow_redirects=False)  # fmt: skip
    assert published.headers["location"] == f"/courses/{item.id}"
    assert item_of(wiring, item.id).status.value == "published"
    frozen = edit(client, item.id, "en", op="add-module", title="Late")
    assert frozen.status_code == 409 and "start a new edition" in frozen.text
    assert "Start a new edition" in client.get(f"/workspace/courses/{item.id}", headers=EN).text


def test_every_licence_verdict_reads_in_arabic() -> None:
    """The verdict sentences come from repository.licenses in English; each must have its Arabic form."""
    licences = [*CATALOGUE.values(), license_for("https://example.org/licence")]
    reasons = {check_inclusion(r, c, adapted=a).reason for r, c, a in product(licences, licences, (False, True))}
    assert len(reasons) >= 8
    for reason in reasons:
        arabic = verdict_text(reason, "ar")
        assert arabic != reason and not re.search(r"\b(the|must|forbids|resource)\b", arabic), reason
        assert verdict_text(reason, "en").lower() == reason.lower()


def test_an_uploaded_package_becomes_a_course_to_review(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    upload = client.post(
        "/workspace/upload",
        data={"csrf_token": staff, "collection": collection, "type": "course", "title": "", "title_lang": "en"},
        files={"files": ("probe.zip", probe_package("Probe course"), "application/zip")},
        follow_redirects=False,
    )
    item_id = upload.headers["location"].rsplit("/", 1)[1]
    ingest(wiring, item_id)
    edit_page = client.get(f"/workspace/items/{item_id}", headers=EN).text
    if "Make it a course" in edit_page:  # until the ingest worker makes the course itself
        client.post(f"/workspace/courses/{item_id}/package-outline", data={"csrf_token": csrf_of(edit_page)})
    assert "Open in the course builder" in client.get(f"/workspace/items/{item_id}", headers=EN).text
    assert shape(outline_of(wiring, item_id)) == [("Unit 1", [("Runtime probe", ["Runtime probe"]),
                                                             ("Second page", ["Second page"])])]  # fmt: skip
    builder = client.get(f"/workspace/courses/{item_id}", headers=EN).text
    assert "Pages of probe.zip" in builder and 'value="package:' in builder and "pages/997.html" in builder
    package_id = item_of(wiring, item_id).files[0].id
    edit(client, item_id, op="add-resource", m=1, l=1, target=f"package:{package_id}:pages/997.html", title="Again")
    assert shape(outline_of(wiring, item_id))[0][1][0] == ("Runtime probe", ["Runtime probe", "Again"])
    proposal = client.get(f"/workspace/courses/{item_id}", headers=EN).text
    assert "proposes an outline of 2 lessons" in proposal  # the edited outline differs from the package's
    client.post(f"/workspace/courses/{item_id}/package-outline", data={"csrf_token": csrf_of(proposal)})
    assert shape(outline_of(wiring, item_id))[0][1][0] == ("Runtime probe", ["Runtime probe"])


def test_adapting_and_new_editions_record_where_a_course_came_from(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata())
    courses.save_outline(wiring.uow(), LIBRARIAN, item.id, Outline([Module("M", [Lesson("L")])]))
    client.post(f"/workspace/courses/{item.id}/publish", data={"csrf_token": staff})
    home = client.get(f"/courses/{item.id}", headers=EN).text
    assert "Adapt this course" in home  # staff see the button on the public page
    adapted = client.post(f"/workspace/courses/{item.id}/adapt", data={"csrf_token": csrf_of(home)},
                          follow_redirects=False)  # fmt: skip
    copy_id = adapted.headers["location"].rsplit("/", 1)[1]
    with reading(wiring.engine) as conn:
        copy = courses.load_course(conn, copy_id)
    assert (copy.adapted_from, copy.item.status.value) == (item.id, "draft")
    assert shape(copy.outline) == [("M", [("L", [])])]
    edition = client.post(f"/workspace/courses/{item.id}/edition", data={"csrf_token": staff}, follow_redirects=False)
    second = edition.headers["location"].rsplit("/", 1)[1]
    builder = client.get(f"/workspace/courses/{second}", headers=EN).text
    assert "Edition 2 (this edition)" in builder and f'href="/workspace/courses/{item.id}">Edition 1' in builder
    assert client.post(f"/workspace/courses/{copy_id}/edition", data={"csrf_token": staff}).status_code == 409


@pytest.mark.parametrize(
    ("op", "position", "expected"),
    [
        ("module-up", {"m": 2}, [("B", ["b1"]), ("A", ["a1", "a2"])]),
        ("module-up", {"m": 1}, [("A", ["a1", "a2"]), ("B", ["b1"])]),  # already first: nothing moves
        ("lesson-down", {"m": 1, "l": 2}, [("A", ["a1"]), ("B", ["a2", "b1"])]),  # into the next module
        ("lesson-up", {"m": 2, "l": 1}, [("A", ["a1", "a2", "b1"]), ("B", [])]),  # into the module before
        ("lesson-up", {"m": 1, "l": 1}, [("A", ["a1", "a2"]), ("B", ["b1"])]),
        ("lesson-down", {"m": 2, "l": 1}, [("A", ["a1", "a2"]), ("B", ["b1"])]),
        ("delete-lesson", {"m": 1, "l": 1}, [("A", ["a2"]), ("B", ["b1"])]),
    ],
)
def test_outline_moves(op: str, position: dict[str, int], expected: list[tuple[str, list[str]]]) -> None:
    outline = Outline([Module("A", [Lesson("a1"), Lesson("a2")]), Module("B", [Lesson("b1")])])
    form = {"op": op, "digest": outline_form.digest(outline), **{k: str(v) for k, v in position.items()}}
    edited, _ = outline_form.apply_edit(outline, form)
    assert [(m.title, [lesson.title for lesson in m.lessons]) for m in edited.modules] == expected
    assert outline.modules[0].lessons[0].title == "a1" and len(outline.modules[0].lessons) == 2  # the original stays
