"""Studying a course without signing in: home, lessons, package pages, downloads, and what must stay hidden."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from repository.courses import service as courses
from repository.courses.outline import Outline, Resource
from repository.db.uow import reading
from repository.domain import Visibility
from repository.services.files import add_file
from repository.services.workflow import delete_item, publish_item, withdraw_item
from repository.settings import Settings
from tests.conftest import LIBRARIAN
from tests.course_factories import CC_BY, course_metadata, ingest, make_course
from tests.factories import make_item
from tests.repository.ingest.package_builders import canvas_cartridge, probe_package
from tests.web.conftest import sign_in
from web.app import create_app
from web.courses import packages
from web.wiring import Wiring

EN = {"accept-language": "en"}


def jsonld_of(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "the page has no JSON-LD"
    return json.loads(match.group(1))


def package_course(wiring: Wiring, collection: str, *, published: bool = True) -> tuple[str, int]:
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata("Probe course", "en"))
    package = add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(probe_package()), "probe.zip")
    outline = courses.outline_for_package(ingest(wiring, item.id))
    assert outline is not None
    courses.save_outline(wiring.uow(), LIBRARIAN, item.id, outline)
    if published:
        publish_item(wiring.uow(), LIBRARIAN, item.id)
    return item.id, package.file.id


def test_course_home_shows_outline_outcomes_people_licence_and_downloads(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_course(wiring, collection)
    page = client.get(f"/courses/{item.id}", headers=EN)
    assert page.status_code == 200
    html = page.text
    assert '<h1 lang="ar" dir="rtl">مقدمة في علم المكتبات</h1>' in html
    assert "الفهرسة الوصفية" in html and "Undergraduate" in html and "10 hours" in html and "LIB101" in html
    assert [f"/courses/{item.id}/lessons/{n}" for n in (1, 2, 3)] == re.findall(
        rf'href="(/courses/{item.id}/lessons/\d)"', html.split('id="outline-title"')[1]
    )
    assert "Omar Darwish" in html and "Instructional designer" in html and "CC BY 4.0" in html
    assert f'href="/courses/{item.id}/download/imscc"' in html and f'href="/courses/{item.id}/download/zip"' in html
    assert "/download/scorm" not in html  # built in the workspace, not made from a SCORM package
    attribution = html.split('id="attribution-title"')[1]
    assert "مرجع في الفهرسة" in attribution and "سعاد يوسف" in attribution
    assert "Adapt this course" not in html  # staff only
    arabic = client.get(f"/courses/{item.id}", headers={"accept-language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and "ابدأ المقرر" in arabic and "10 ساعات" in arabic
    # The item's own landing page leads to the course; an item merely typed "course" has no course to study.
    assert f'href="/courses/{item.id}">Study this course' in client.get(f"/items/{item.id}", headers=EN).text
    typed = make_item(wiring, collection, "Typed as a course", type="course")
    assert "Study this course" not in client.get(f"/items/{typed.id}", headers=EN).text
    assert client.get(f"/courses/{typed.id}").status_code == 404


def test_lessons_have_previous_next_contents_and_the_right_viewers(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_course(wiring, collection)
    files = {f.name: f for f in item.files}
    first = client.get(f"/courses/{item.id}/lessons/1", headers=EN).text
    assert f'<iframe src="/items/{item.id}/files/{files["شرائح.pdf"].id}/' in first  # the PDF inline
    page = f"/courses/{item.id}/package/{files['lesson-1.html'].id}/lesson-1.html"
    assert f'<iframe src="{page}" title="الدرس" sandbox="allow-scripts allow-forms allow-popups"' in first
    assert 'rel="prev"' not in first and f'href="/courses/{item.id}/lessons/2" rel="next"' in first
    assert f'href="/courses/{item.id}/lessons/1" aria-current="page"' in first  # the table of contents
    second = client.get(f"/courses/{item.id}/lessons/2", headers=EN).text
    book = next(r.item_id for r in courses_outline(wiring, item.id).resources() if r.item_id)
    assert f'href="/items/{book}"' in second and "Article" in second
    third = client.get(f"/courses/{item.id}/lessons/3", headers=EN).text
    assert '<video controls preload="metadata"' in third
    assert re.search(r'<track kind="captions" src="/items/[^"]+intro\.ar\.vtt" srclang="ar" label="Arabic"', third)
    assert f'href="/courses/{item.id}/lessons/2" rel="prev"' in third and 'rel="next"' not in third
    assert client.get(f"/courses/{item.id}/lessons/4").status_code == 404  # past the last lesson
    assert client.get(f"/courses/{item.id}/lessons/0").status_code == 422  # lessons are numbered from 1
    for path in (f"/courses/{item.id}", f"/courses/{item.id}/lessons/1"):
        tags = re.findall(r"<script[^>]*>", client.get(path).text)
        assert all("src=" in tag or 'type="application/ld+json"' in tag for tag in tags), tags  # CSP: no inline


def courses_outline(wiring: Wiring, item_id: str) -> Outline:
    with reading(wiring.engine) as conn:
        return courses.load_course(conn, item_id).outline


def test_drafts_and_hidden_linked_items_stay_hidden_from_readers(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    draft = make_course(wiring, collection, published=False)
    hidden = make_item(wiring, collection, "Restricted chapter", visibility=Visibility.RESTRICTED, license=CC_BY)
    course = make_course(wiring, collection)
    second = courses.new_edition(wiring.uow(), LIBRARIAN, course.id)  # the next edition links the hidden item
    outline = courses_outline(wiring, second.id)
    outline.modules[0].lessons[1].resources.append(Resource("item", "Restricted chapter", item_id=hidden.id))
    courses.save_outline(wiring.uow(), LIBRARIAN, second.id, outline)
    publish_item(wiring.uow(), LIBRARIAN, second.id)
    file_id = draft.files[0].id
    paths = [f"/courses/{draft.id}", f"/courses/{draft.id}/lessons/1", f"/courses/{draft.id}/download/imscc",
             f"/courses/{draft.id}/package/{file_id}/x.html"]  # fmt: skip
    assert [client.get(p).status_code for p in paths] == [200, 200, 200, 404]  # staff see drafts
    staff_view = client.get(f"/courses/{draft.id}", headers=EN)
    assert "Only staff can see this course" in staff_view.text and staff_view.headers["x-robots-tag"] == "noindex"
    assert "Restricted chapter" in client.get(f"/courses/{second.id}/lessons/2").text
    client.post("/logout", data={"csrf_token": staff})
    assert [client.get(p).status_code for p in paths] == [404, 404, 404, 404]
    reader = client.get(f"/courses/{second.id}/lessons/2", headers=EN).text
    assert "Restricted chapter" not in reader  # not even the label the course gave it
    assert "This resource is not available." in reader
    home = client.get(f"/courses/{second.id}", headers=EN).text
    assert "Restricted chapter" not in home.split('id="attribution-title"')[1]
    assert f'href="/courses/{course.id}">Edition 1' in home and "Edition 2 (this edition)" in home


def test_package_pages_are_sandboxed_and_find_the_runtime(client: TestClient, wiring: Wiring, collection: str) -> None:
    item_id, file_id = package_course(wiring, collection)
    lesson = client.get(f"/courses/{item_id}/lessons/1").text
    src = f"/courses/{item_id}/package/{file_id}/pages/998.html"
    assert f'<iframe src="{src}"' in lesson
    page = client.get(src)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms allow-popups;") and "allow-same-origin" not in csp
    assert "x-frame-options" not in page.headers
    head = re.search(r"<head>(.*?)</head>", page.text, re.S)
    assert head and head.group(1).startswith('<script src="/static/scorm-runtime.js?v=')
    script = client.get(f"/courses/{item_id}/package/{file_id}/pages/probe.js")
    assert script.headers["content-type"] == "text/javascript" and "LMSInitialize" in script.text
    picture = client.get(f"/courses/{item_id}/package/{file_id}/PAGES/picture.png")  # packages disagree on case
    assert picture.headers["content-type"] == "image/png" and picture.content.startswith(b"\x89PNG")
    assert "sandbox" in picture.headers["content-security-policy"]
    for bad in ("pages/nothing.html", "../../items/x", "imsmanifest.xml/x"):
        assert client.get(f"/courses/{item_id}/package/{file_id}/{bad}").status_code == 404, bad
    other = make_course(wiring, collection)
    assert client.get(f"/courses/{other.id}/package/{file_id}/pages/998.html").status_code == 404


PACKAGES = "http://packages.testserver"


def test_on_the_package_origin_packages_share_one_origin_and_reach_nothing_of_the_site(
    wiring: Wiring, collection: str
) -> None:
    settings = wiring.settings.model_copy(update={"package_origin": PACKAGES, "base_url": "http://testserver"})
    app = create_app(dataclasses.replace(wiring, settings=settings), sync_index=False)
    item_id, file_id = package_course(wiring, collection)
    with TestClient(app, base_url="http://testserver") as site, TestClient(app, base_url=PACKAGES) as host:
        sign_in(site, wiring)
        # As if the browser sent the site's cookies to the package host too (it would, were it the same host).
        host.headers["cookie"] = "; ".join(f"{name}={value}" for name, value in site.cookies.items())
        assert "mawrid_session=" in host.headers["cookie"]
        lesson = site.get(f"/courses/{item_id}/lessons/1", headers=EN)
        assert f"frame-src 'self' {PACKAGES};" in lesson.headers["content-security-policy"]
        frame = re.search(r'<iframe src="([^"]+)" title="[^"]*" sandbox="([^"]+)"', lesson.text)
        assert frame and frame.group(2) == "allow-scripts allow-same-origin allow-forms allow-popups"
        player = frame.group(1).replace("&amp;", "&")
        assert player.startswith(f"{PACKAGES}/courses/{item_id}/player?")
        page = parse_qs(urlsplit(player).query)["page"][0]
        assert page == f"/courses/{item_id}/package/{file_id}/pages/998.html"
        # The player: the runtime, then the package page framed below it; only the site may frame it.
        played = host.get(player.removeprefix(PACKAGES))
        assert played.status_code == 200 and "set-cookie" not in played.headers
        assert "frame-ancestors 'self' http://testserver" in played.headers["content-security-policy"]
        assert (
            '<script src="/static/scorm-runtime.js?v=' in played.text
            and f'<iframe id="package" src="{page}"' in played.text
        )
        # Package pages: one origin for the whole package (allow-same-origin), framed by the site alone.
        served = host.get(page)
        csp = served.headers["content-security-policy"]
        assert csp.startswith("sandbox allow-scripts allow-same-origin allow-forms allow-popups;")
        assert csp.endswith("frame-ancestors 'self' http://testserver") and "set-cookie" not in served.headers
        assert host.get("/static/scorm-runtime.js").status_code == 200
        # Nothing else answers there, signed in or not: no staff pages, no API, no sign-in, no site pages.
        for path in ("/workspace", "/api/items", "/login", f"/courses/{item_id}", "/", "/static/site.js"):
            assert host.get(path).status_code == 404, path
        # The session cookie is dropped on the package host: a draft course's package is not served by it.
        draft, draft_file = package_course(wiring, collection, published=False)
        assert site.get(f"/courses/{draft}/package/{draft_file}/pages/998.html").status_code == 200  # staff
        assert host.get(f"/courses/{draft}/package/{draft_file}/pages/998.html").status_code == 404
        # A player frames a page of its own course's packages, nothing else.
        for bad in (
            "https://evil.example/",
            f"/courses/{item_id}/../../workspace",
            f"/courses/other/package/{file_id}/x",
        ):
            assert host.get(f"/courses/{item_id}/player", params={"page": bad}).status_code == 404, bad
        # On the site's own host the package stays in the opaque sandbox, as without a package origin.
        assert "allow-same-origin" not in site.get(page).headers["content-security-policy"]


def test_the_package_origin_needs_a_host_of_its_own() -> None:
    with pytest.raises(ValidationError, match="host name of its own"):  # cookies ignore ports
        Settings(base_url="http://127.0.0.1:8000", package_origin="http://127.0.0.1:9000", _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="must be an origin"):
        Settings(package_origin="http://packages.example.org/some/path", _env_file=None)  # type: ignore[call-arg]
    assert Settings(package_origin="https://Packages.example.org/", _env_file=None).package_origin == (  # type: ignore[call-arg]
        "https://Packages.example.org"
    )


def test_canvas_placeholders_become_paths_inside_the_cartridge(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = courses.create_course(wiring.uow(), LIBRARIAN, collection, course_metadata("Canvas", "en"))
    added = add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(canvas_cartridge()), "canvas.imscc")
    outline = courses.outline_for_package(ingest(wiring, item.id))
    assert outline is not None
    courses.save_outline(wiring.uow(), LIBRARIAN, item.id, outline)
    publish_item(wiring.uow(), LIBRARIAN, item.id)
    page = client.get(f"/courses/{item.id}/package/{added.file.id}/pages/999.html").text
    assert page.count('src="../web_resources/Course%20Files/logo.png') == 3
    assert 'href="../wiki_content/second-page.html"' in page
    assert 'href="$CANVAS_OBJECT_REFERENCE$/modules/m123"' in page  # nothing in the package to point it at
    assert "IMS-CC-FILEBASE" not in page and "IMS_CC_FILEBASE" not in page


def test_canvas_object_references_find_the_resource_page() -> None:
    names = ["wiki_content/a.html", "g5/assignment.html", "g5/assignment.xml", "web_resources/x.png"]
    html = b'<a href="$CANVAS_OBJECT_REFERENCE$/assignments/g5">A</a><a href="%24WIKI_REFERENCE%24/pages/a">B</a>'
    out = packages.resolve_cc_links(html, "wiki_content/b.html", names)
    assert out == b'<a href="../g5/assignment.html">A</a><a href="../wiki_content/a.html">B</a>'
    top = packages.resolve_cc_links(b'<img src="$IMS-CC-FILEBASE$/x.png">', "index.html", names)
    assert top == b'<img src="web_resources/x.png">'


def test_staff_preview_unpublished_packages_through_a_signed_expiring_key(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item_id, file_id = package_course(wiring, collection, published=False)
    lesson = client.get(f"/courses/{item_id}/lessons/1").text
    src = re.search(r'<iframe src="([^"]+)"', lesson)
    assert src and f"/courses/{item_id}/preview/" in src.group(1)
    client.post("/logout", data={"csrf_token": staff})
    # The key in the path opens the package (the sandboxed page sends no cookies) and its relative links.
    assert client.get(src.group(1)).status_code == 200
    assert client.get(src.group(1).replace("998.html", "picture.png")).status_code == 200
    assert client.get(f"/courses/{item_id}/package/{file_id}/pages/998.html").status_code == 404
    secret = wiring.settings.secret()
    key = packages.preview_key(secret, item_id, file_id, now=1_000_000)
    assert packages.preview_key_valid(secret, item_id, file_id, key, now=1_000_000 + 60)
    assert not packages.preview_key_valid(secret, item_id, file_id, key, now=1_000_000 + packages.PREVIEW_SECONDS + 1)
    assert not packages.preview_key_valid(secret, item_id, file_id + 1, key, now=1_000_000)
    forged = f"/courses/{item_id}/preview/{key}/{file_id}/pages/998.html"
    assert client.get(forged).status_code == 404


def test_a_preview_link_stops_working_once_the_course_is_deleted_or_withdrawn(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    links = {}
    for name, leave in (("deleted", delete_item), ("withdrawn", withdraw_item)):
        item_id, _ = package_course(wiring, collection, published=False)
        src = re.search(r'<iframe src="([^"]+)"', client.get(f"/courses/{item_id}/lessons/1").text)
        assert src and "/preview/" in src.group(1)
        links[name] = (item_id, src.group(1), leave)
    client.post("/logout", data={"csrf_token": staff})
    for item_id, page, leave in links.values():
        picture = page.replace("998.html", "picture.png")
        assert client.get(page).status_code == 200 and client.get(picture).status_code == 200
        if leave is withdraw_item:
            publish_item(wiring.uow(), LIBRARIAN, item_id)
        leave(wiring.uow(), LIBRARIAN, item_id)
        for path in (page, picture, page.replace("998.html", "probe.js")):
            response = client.get(path)
            assert response.status_code == 404, path
            assert b"LMSInitialize" not in response.content and b"\x89PNG" not in response.content


def test_downloads_as_cartridge_plain_zip_and_original_scorm(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_course(wiring, collection)
    cartridge = client.get(f"/courses/{item.id}/download/imscc")
    assert cartridge.status_code == 200
    assert cartridge.headers["content-disposition"].startswith(f'attachment; filename="{item.id}.imscc"')
    names = zipfile.ZipFile(io.BytesIO(cartridge.content)).namelist()
    assert "imsmanifest.xml" in names and "ATTRIBUTION.txt" in names
    plain = zipfile.ZipFile(io.BytesIO(client.get(f"/courses/{item.id}/download/zip").content))
    assert {"README.txt", "files/شرائح.pdf", "files/lesson-1.html", "files/intro.mp4", "files/intro.ar.vtt"} <= set(
        plain.namelist()
    )
    readme = plain.read("README.txt").decode()
    assert "Module 1: الوحدة الأولى" in readme and "- الشرائح: files/شرائح.pdf" in readme
    assert "“مرجع في الفهرسة” by سعاد يوسف" in readme and "CC BY 4.0" in readme
    assert client.get(f"/courses/{item.id}/download/scorm").status_code == 404
    assert client.get(f"/courses/{item.id}/download/docx").status_code == 404
    item_id, file_id = package_course(wiring, collection)
    original = client.get(f"/courses/{item_id}/download/scorm")
    assert original.status_code == 200 and original.content == probe_package()
    assert f'href="/courses/{item_id}/download/scorm"' in client.get(f"/courses/{item_id}").text


def test_course_jsonld_describes_the_course_and_its_lessons(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_course(wiring, collection)
    data = jsonld_of(client.get(f"/courses/{item.id}").text)
    assert data["@type"] == ["Course", "LearningResource"]
    assert data["url"] == f"http://127.0.0.1:8000/courses/{item.id}" and data["courseCode"] == "LIB101"
    assert (data["educationalLevel"], data["timeRequired"]) == ("undergraduate", "PT10H")
    assert data["isAccessibleForFree"] is True
    assert data["teaches"] == ["الفهرسة الوصفية", "البحث في الفهارس"] and data["learningResourceType"] == "Course"
    assert data["license"] == CC_BY["uri"] and data["inLanguage"] == "ar"
    assert [(p["position"], p["name"]) for p in data["hasPart"]] == [
        (1, "ما هي المكتبة"),
        (2, "قراءة"),
        (3, "مقطع مرئي"),
    ]
    assert {p["@type"] for p in data["hasPart"]} == {"LearningResource"}
    assert data["contributor"] == [
        {
            "@type": "Role",
            "roleName": "instructional_designer",
            "contributor": {"@type": "Person", "name": "Omar Darwish"},
        }
    ]
    lesson = jsonld_of(client.get(f"/courses/{item.id}/lessons/2").text)
    assert lesson["isPartOf"]["url"] == data["url"] and lesson["position"] == 2


def test_open_course_listing_filters_by_faculty_level_and_language(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    from repository.domain import SYSTEM
    from repository.services.collections import create_collection, create_community

    create_community(wiring.uow(), SYSTEM, "education", "Faculty of Educational Sciences", "كلية العلوم التربوية")
    create_collection(wiring.uow(), SYSTEM, "education", "edu-courses", "Courses", "مقررات")
    arabic = make_course(wiring, collection)
    english = courses.create_course(wiring.uow(), LIBRARIAN, "edu-courses", course_metadata(
        "Teaching with open resources", "en", oer={"educational_level": "postgraduate"}))  # fmt: skip
    publish_item(wiring.uow(), LIBRARIAN, english.id)
    draft = make_course(wiring, collection, published=False)
    listing = client.get("/courses", headers=EN).text
    assert arabic.id in listing and english.id in listing and draft.id not in listing
    assert "Faculty of Educational Sciences" in listing and "Postgraduate" in listing
    only_arabic = client.get("/courses?language=ar", headers=EN).text
    assert arabic.id in only_arabic and english.id not in only_arabic
    by_faculty = client.get("/courses?faculty=education", headers=EN).text
    assert english.id in by_faculty and arabic.id not in by_faculty
    assert arabic.id in client.get("/courses?level=undergraduate").text
    assert english.id not in client.get("/courses?level=undergraduate").text
    # A new published edition replaces the old one in the listing.
    second = courses.new_edition(wiring.uow(), LIBRARIAN, arabic.id)
    publish_item(wiring.uow(), LIBRARIAN, second.id)
    listing = client.get("/courses").text
    assert f"/courses/{second.id}" in listing and f'/courses/{arabic.id}"' not in listing
    feed = client.get("/courses/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    from lxml import etree

    atom = etree.fromstring(feed.content)
    links = atom.xpath("//a:entry/a:link[@rel='alternate']/@href", namespaces={"a": "http://www.w3.org/2005/Atom"})
    assert f"http://127.0.0.1:8000/courses/{second.id}" in links and not any(draft.id in h for h in links)
    assert "/courses" in client.get("/sitemap-pages.xml").text


CANVAS_EXPORT = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "imscc" / "ally-workshop.imscc"


@pytest.mark.corpus
@pytest.mark.skipif(not CANVAS_EXPORT.is_file(), reason=f"no corpus at {CANVAS_EXPORT.parent.parent}")
def test_a_real_canvas_export_shows_its_pictures(client: TestClient, wiring: Wiring, collection: str) -> None:
    item = make_item(
        wiring, collection, "Ally workshop", type="course", files={"ally.imscc": CANVAS_EXPORT.read_bytes()}
    )
    file_id = ingest(wiring, item.id).originals()[0].id
    for page in ("wiki_content/what-is-ally.html", "wiki_content/ally-for-students.html"):
        url = f"http://testserver/courses/{item.id}/package/{file_id}/{page}"
        served = client.get(url)
        assert served.status_code == 200 and "IMS-CC-FILEBASE" not in served.text
        found = [unescape(src) for src in re.findall(r'<img[^>]+src="([^"]+)"', served.text)]
        pictures = [src for src in found if "://" not in src]  # Canvas's own icons stay on Canvas (and CSP-blocked)
        assert pictures and all(src.startswith("../web_resources/") for src in pictures), page
        for src in pictures:
            picture = client.get(urljoin(url, src))
            assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/"), src
