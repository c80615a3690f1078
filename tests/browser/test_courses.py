"""Open courses in a real Chromium: a SCORM package runs against the runtime, Arabic courses read right to left,
course pages pass axe in both languages, and a librarian builds an outline with the keyboard alone."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, FrameLocator, Locator, Page, expect

from repository.courses import service as courses
from repository.db import records
from repository.db.uow import reading
from repository.domain import SYSTEM
from repository.services.files import add_file
from repository.services.workflow import publish_item
from tests.browser.conftest import Site, new_context, screenshot, serious_violations, sign_in
from tests.course_factories import course_metadata, ingest, make_course
from tests.factories import make_item
from tests.repository.ingest.builders import SCORM12, course
from tests.repository.ingest.package_builders import canvas_cartridge, nested_package, probe_package

pytestmark = pytest.mark.browser
COLLECTION = "edu-courses"


@dataclass(frozen=True)
class Courses:
    arabic: str  # built from files and a linked item
    probe: str  # a published SCORM 2004 package that calls the runtime
    draft: str  # an unpublished adaptation of the probe: staff preview it
    golf: str  # the demo SCORM 2004 package: a launch page framing its lessons
    nested: dict[str, str]  # SCORM version -> a package whose launch page frames content that calls the runtime
    canvas: str  # an IMS CC cartridge whose page names its files through Canvas placeholders


def _package_course(site: Site, data: bytes, metadata: dict[str, object], name: str = "probe-scorm2004.zip") -> str:
    item = courses.create_course(site.wiring.uow(), SYSTEM, COLLECTION, metadata)
    add_file(site.wiring.uow(), site.wiring.store, SYSTEM, item.id, io.BytesIO(data), name)
    outline = courses.outline_for_package(ingest(site.wiring, item.id))
    assert outline is not None
    courses.save_outline(site.wiring.uow(), SYSTEM, item.id, outline)
    publish_item(site.wiring.uow(), SYSTEM, item.id)
    return item.id


@pytest.fixture(scope="module")
def oer(site: Site) -> Courses:
    arabic = make_course(site.wiring, COLLECTION).id
    probe = _package_course(
        site,
        probe_package(),
        course_metadata("Runtime probe course", "en", abstracts=[{"value": "Probe", "lang": "en"}]),
    )
    draft = courses.adapt_course(site.wiring.uow(), SYSTEM, probe).id
    golf = site.item_id("Golf Explained")
    with reading(site.wiring.engine) as conn:
        is_course, item = courses.is_course(conn, golf), records.load_item(conn, golf)
    if not is_course:  # until the ingest worker makes courses of packages itself
        outline = courses.outline_for_package(item)
        assert outline is not None
        courses.make_course(site.wiring.uow(), SYSTEM, golf, outline)
    nested = {
        version: _package_course(
            site, nested_package(version), course_metadata(f"Nested SCORM {version}", "en"), f"nested-{version}.zip"
        )
        for version in ("1.2", "2004")
    }
    canvas = _package_course(site, canvas_cartridge(), course_metadata("Canvas cartridge", "en"), "canvas.imscc")
    return Courses(arabic, probe, draft, golf, nested, canvas)


def _whole_page(page: Page, name: str) -> None:
    """A full-page screenshot with every frame painted: Chromium skips sandboxed frames below the viewport."""
    viewport = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": viewport["width"], "height": page.evaluate("document.body.scrollHeight")})
    page.wait_for_timeout(300)
    screenshot(page, name)
    page.set_viewport_size(viewport)


def _package(page: Page) -> FrameLocator:
    """The package's launch page: inside the player (on the package origin) that the lesson frames."""
    return page.frame_locator("iframe").first.frame_locator("#package")


def _status(page: Page) -> Locator:
    """The player's line of the progress the package reported to the runtime."""
    return page.frame_locator("iframe").first.locator("#scorm-status")


def _probe_results(page: Page) -> dict[str, object]:
    results = _package(page).locator("#results[data-done=yes]")
    expect(results).to_have_count(1, timeout=20_000)
    return json.loads(results.text_content() or "{}")  # type: ignore[no-any-return]


def test_a_scorm_package_finds_a_runtime_that_answers_every_call(site: Site, page: Page, oer: Courses) -> None:
    page.goto(f"{site.url}/courses/{oer.probe}/lessons/1")
    found = _probe_results(page)
    assert found["scorm12"] == {
        "getBefore": ["", "301"],
        "initialize": ["true", "0"],
        "studentName": ["Guest", "0"],
        "status": ["not attempted", "0"],
        "setStatus": ["true", "0"],
        "statusAfter": ["completed", "0"],
        "setScore": ["true", "0"],
        "score": ["85", "0"],
        "setReadOnly": ["false", "403"],
        "getWriteOnly": ["", "404"],
        "getUnknown": ["", "401"],
        "errorString": "Not implemented error",
        "commit": ["true", "0"],
        "finish": ["true", "0"],
        "getAfter": ["", "301"],
    }
    assert found["scorm2004"] == {
        "getBefore": ["", "122"],
        "initialize": ["true", "0"],
        "initializeAgain": ["false", "103"],
        "learnerId": ["guest", "0"],
        "completion": ["unknown", "0"],
        "setCompletion": ["true", "0"],
        "completionAfter": ["completed", "0"],
        "setScaled": ["true", "0"],
        "scaled": ["0.8", "0"],
        "setInteraction": ["true", "0"],
        "interactionCount": ["1", "0"],
        "setReadOnly": ["false", "404"],
        "getUnknown": ["", "401"],
        "errorString": "Data model element is read only",
        "commit": ["true", "0"],
        "terminate": ["true", "0"],
        "getAfter": ["", "123"],
        "commitAfter": ["false", "143"],
    }
    _package_is_contained(found)
    expect(_status(page)).to_have_text("Progress: completed · Score: 80")
    _whole_page(page, "course-lesson-scorm-en")
    # The package's own relative links, pictures and scripts load inside the sandbox.
    page.get_by_role("link", name="Next lesson").click()
    picture = _package(page).get_by_role("img", name="A course picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") == 60


def test_staff_preview_a_draft_package_and_readers_cannot(site: Site, browser: Browser, oer: Courses) -> None:
    anonymous = new_context(browser, "en")
    response = anonymous.new_page().goto(f"{site.url}/courses/{oer.draft}/lessons/1")
    assert response is not None and response.status == 404
    anonymous.close()
    context = new_context(browser, "en")
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.url}/courses/{oer.draft}/lessons/1")
    expect(page.locator(".notice.warn")).to_contain_text("Only staff")
    assert "/preview/" in unquote(page.locator("iframe").first.get_attribute("src") or "")
    found = _probe_results(page)
    assert found["scorm2004"]["initialize"] == ["true", "0"]  # type: ignore[index]
    assert context.cookies(site.url), "signed in: the site has a session cookie the package must not see"
    _package_is_contained(found)
    context.close()


def _package_is_contained(found: dict[str, object]) -> None:
    """The package ran on its own origin: no site cookies, no site page, no staff pages (its origin has none)."""
    assert "mawrid" not in str(found["cookies"])
    assert (found["sitePage"], found["siteFetch"]) == ("blocked", "blocked")
    assert str(found["ownOriginFetch"]).startswith("readable: 404")


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_frames_nested_in_a_scorm_launch_page_reach_one_runtime(
    site: Site, browser: Browser, oer: Courses, version: str
) -> None:
    for lang in ("en", "ar"):
        context = new_context(browser, lang)
        page = context.new_page()
        page.goto(f"{site.url}/courses/{oer.nested[version]}/lessons/1")
        results = _package(page).locator("#results[data-done=yes]")
        expect(results).to_have_count(1, timeout=20_000)
        found = json.loads(results.text_content() or "{}")
        # The launch page found the API in its parents (the ADL way), the framed page found the same runtime
        # and called the launch page; every call was accepted.
        assert found == {
            "launchFound": True, "initialize": "true", "started": "true",
            "nestedFound": True, "sameRuntime": True, "nestedSet": "true", "finished": "true", "commit": "true",
        }  # fmt: skip
        expected = "Progress: completed · Score: 90" if lang == "en" else "التقدم: مكتمل · الدرجة: 90"
        expect(_status(page)).to_have_text(expected)
        expect(_package(page).frame_locator("#content").locator("#answer")).to_have_text("Score sent: true")
        _whole_page(page, f"course-lesson-nested-{version}-{lang}")
        context.close()


def test_the_demo_golf_course_plays_to_its_quiz(site: Site, browser: Browser, oer: Courses) -> None:
    for lang in ("en", "ar"):
        context = new_context(browser, lang)
        page = context.new_page()
        page.goto(f"{site.url}/courses/{oer.golf}/lessons/1")
        lesson = _package(page).frame_locator("#contentFrame")
        expect(lesson.get_by_role("heading", name="Play of the game")).to_be_visible()
        expect(lesson.get_by_role("img", name="golfing image")).to_be_visible()
        expect(_status(page)).to_have_text("Progress: incomplete" if lang == "en" else "التقدم: غير مكتمل")
        _whole_page(page, f"course-lesson-golf-{lang}")
        for _ in range(14):  # the launch page's own buttons walk its pages, up to the quiz
            _package(page).locator("#butNext").click()
        expect(lesson.get_by_role("heading", name="Knowledge Check")).to_be_visible()
        expect(_status(page)).to_have_text("Progress: completed" if lang == "en" else "التقدم: مكتمل")
        # The quiz frame hands its score to the launch page (`parent.RecordTest`), which sends it to the runtime.
        lesson.get_by_role("button", name="Submit Answers").click()
        expected = {"en": r"Progress: completed · Result: failed · Score: \d+",
                    "ar": r"التقدم: مكتمل · النتيجة: لم ينجح · الدرجة: \d+"}[lang]  # fmt: skip
        expect(_status(page)).to_have_text(re.compile(expected))  # unanswered: a low score, whatever the quiz counts
        _whole_page(page, f"course-lesson-golf-quiz-{lang}")
        context.close()


def test_canvas_placeholders_in_a_cartridge_page_point_into_the_package(
    site: Site, browser: Browser, oer: Courses
) -> None:
    for lang in ("en", "ar"):
        context = new_context(browser, lang)
        page = context.new_page()
        page.goto(f"{site.url}/courses/{oer.canvas}/lessons/1")
        content = _package(page)
        for name in ("Raw placeholder", "Encoded placeholder", "Underscore placeholder"):
            picture = content.get_by_role("img", name=name)
            expect(picture).to_be_visible()
            assert picture.evaluate("img => img.complete && img.naturalWidth") == 60, name
        _whole_page(page, f"course-lesson-canvas-{lang}")
        content.get_by_role("link", name="The second page").click()
        expect(content.get_by_role("heading", name="Second page")).to_be_visible()
        context.close()


def test_an_arabic_course_reads_right_to_left_with_its_outline_mirrored(
    site: Site, browser: Browser, oer: Courses
) -> None:
    for lang in ("ar", "en"):
        context = new_context(browser, lang)
        page = context.new_page()
        page.goto(f"{site.url}/courses/{oer.arabic}/lessons/2")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        toc = page.locator("nav.toc")
        outline = toc.locator("ol.outline")
        # The course is Arabic: its outline reads right to left whatever the interface language.
        assert outline.evaluate("el => getComputedStyle(el).direction") == "rtl"
        current = toc.locator("a[aria-current=page]")
        expect(current).to_contain_text("قراءة")
        number, text = current.locator(".lesson-number").bounding_box(), current.locator("span").nth(1).bounding_box()
        assert number and text and number["x"] > text["x"], "the lesson number sits at the right, before the title"
        bar = outline.locator(".outline-lessons").first.evaluate(
            "el => [getComputedStyle(el).borderRightWidth, getComputedStyle(el).borderLeftWidth]"
        )
        assert bar == ["3px", "0px"], "the outline's guide line is on the right"
        main = page.locator(".lesson-layout > div").first.bounding_box()
        side = toc.bounding_box()
        assert main and side
        if lang == "ar":  # the whole page mirrors: contents on the right, the lesson to their left
            assert side["x"] > main["x"]
        else:
            assert side["x"] < main["x"]
        expect(page.get_by_role("link", name="Previous lesson" if lang == "en" else "الدرس السابق")).to_be_visible()
        _whole_page(page, f"course-lesson-arabic-{lang}")
        context.close()


COURSE_PAGES: dict[str, Callable[[Courses], str]] = {
    "courses": lambda c: "/courses",
    "course-home": lambda c: f"/courses/{c.arabic}",
    "course-lesson-pdf": lambda c: f"/courses/{c.arabic}/lessons/1",
    "course-lesson-item": lambda c: f"/courses/{c.arabic}/lessons/2",
    "course-lesson-video": lambda c: f"/courses/{c.arabic}/lessons/3",
    "course-home-package": lambda c: f"/courses/{c.golf}",
    "course-lesson-package": lambda c: f"/courses/{c.golf}/lessons/1",
}
BUILDER_PAGES: dict[str, Callable[[Courses], str]] = {
    "workspace-courses": lambda c: "/workspace/courses",
    "course-new": lambda c: "/workspace/courses/new",
    "course-builder": lambda c: f"/workspace/courses/{c.arabic}",
    "course-builder-draft": lambda c: f"/workspace/courses/{c.draft}?find=golf&lesson=1-1",
}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_course_pages_have_no_serious_accessibility_violations(
    site: Site, browser: Browser, oer: Courses, lang: str
) -> None:
    found: dict[str, list[str]] = {}
    for staff, pages in ((False, COURSE_PAGES), (True, BUILDER_PAGES)):
        context = new_context(browser, lang)
        page = context.new_page()
        if staff:
            sign_in(page, site)
        for name, path in pages.items():
            response = page.goto(site.url + path(oer))
            assert response is not None and response.status == 200, name
            page.wait_for_load_state("networkidle")
            bad = serious_violations(page)
            if bad:
                found[name] = bad
            _whole_page(page, f"{name}-{lang}")
        context.close()
    assert found == {}


def test_a_librarian_builds_an_outline_with_the_keyboard_alone(site: Site, browser: Browser) -> None:
    context = new_context(browser, "en")
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.url}/workspace/courses/new")
    page.get_by_label("Title", exact=True).fill("Keyboard course")
    page.get_by_label("Title", exact=True).press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("The course was created")
    for title in ("First module", "Second module"):
        page.get_by_label("New module").focus()
        page.keyboard.type(title)
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("The outline was saved")
    page.get_by_label("New lesson in module 2").focus()
    page.keyboard.type("Only lesson")
    page.keyboard.press("Enter")
    # Move the lesson up with the keyboard: from module 2 it travels to the end of module 1.
    page.get_by_role("button", name="Move lesson 1 up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#m1-l1-title")).to_have_value("Only lesson")
    expect(page.locator("#m2 .builder-lesson")).to_have_count(0)
    page.get_by_role("button", name="Move module 2 up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#m1-title")).to_have_value("Second module")
    assert page.url.endswith("#m1")
    screenshot(page, "course-builder-keyboard-en")
    context.close()


def test_a_course_item_whose_package_gives_no_outline_shows_its_course_page(site: Site, browser: Browser) -> None:
    package = course(SCORM12, title="Empty organisation", lessons=[])  # an organisation without items
    item = make_item(site.wiring, COLLECTION, "Course without an outline", type="course", files={"bare.zip": package})
    ingest(site.wiring, item.id)
    for lang in ("en", "ar"):
        context = new_context(browser, lang)
        page = context.new_page()
        response = page.goto(f"{site.url}/items/{item.id}")
        page.get_by_role("link", name="Study this course" if lang == "en" else "ادرس هذا المقرر").click()
        expect(page.locator("h1")).to_contain_text("Course without an outline")
        note = "gives no outline yet" if lang == "en" else "لا يقدّم هذا المقرر مخططًا بعد"
        expect(page.locator("#outline-title + p")).to_contain_text(note)
        files = page.locator("section[aria-labelledby=files-title]")
        expect(files.get_by_role("link", name="bare.zip")).to_have_attribute(
            "href", re.compile(r"^/items/.+/files/\d+/bare.zip$")
        )
        assert response is not None and response.status == 200
        _whole_page(page, f"course-home-no-outline-{lang}")
        context.close()
