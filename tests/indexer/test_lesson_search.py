"""Search finds a course by the text of one lesson, and the hit opens that lesson."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from indexer.sync import sync
from repository.courses import service as courses
from repository.db.uow import reading
from tests.course_factories import ingest
from tests.factories import make_item
from tests.repository.ingest.builders import SCORM2004, Lesson, course
from web.wiring import Wiring


def test_a_hit_in_a_lesson_opens_that_lesson(wiring: Wiring, collection: str, client: TestClient) -> None:
    package = course(
        SCORM2004,
        title="Golf for beginners",
        lessons=[
            Lesson("Basics", children=[
                Lesson("Holding the club", "<p>Grip the club with both hands.</p>"),
                Lesson("Keeping score", "<p>A birdie is one stroke under par.</p>"),
            ]),
            Lesson("Etiquette", "<p>Quiet on the tee while others swing.</p>"),
        ],
    )  # fmt: skip
    item = make_item(wiring, collection, "Golf for beginners", type="course", files={"golf.zip": package})
    ingest(wiring, item.id)
    with reading(wiring.engine) as conn:
        outline = courses.load_course(conn, item.id).outline
    assert [lesson.title for _, _, lesson in outline.lessons()] == ["Holding the club", "Keeping score", "Etiquette"]
    sync(wiring.engine, wiring.store, wiring.index)

    page = client.get("/search", params={"q": "birdie"}).text
    assert f'href="/courses/{item.id}/lessons/2"' in page
    assert re.search(r'class="hit-lesson">[^<]*2 · <span[^>]*>Keeping score</span>', page)
    quiet = client.get("/search", params={"q": "tee swing"}).text
    assert f'href="/courses/{item.id}/lessons/3"' in quiet
    assert client.get(f"/courses/{item.id}/lessons/2").status_code == 200
