"""Requests built to hurt: crafted cursors, huge numbers, endless bodies, hostile header values.

Every one must get a clear 4xx (or a correct answer) and leave the server serving.
"""

from __future__ import annotations

import io
import re
import select
import socket
from collections.abc import Iterator
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi.testclient import TestClient

from harvest.service import OaiProvider
from indexer.ports import MAX_WINDOW, Query, Sort
from indexer.sync import sync
from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRole
from repository.ingest.extract import extract_file
from repository.services.ingest import apply_extraction
from tests.factories import make_item
from tests.server import served
from web.app import create_app
from web.auth import local_target
from web.limits import FORM_MAX_BYTES, OAI_MAX_BYTES, BodyLimit
from web.wiring import Wiring

HUGE = str(2**70)


@pytest.fixture
def lenient(wiring: Wiring) -> Iterator[TestClient]:
    """A client that sees the 500 a real one would, instead of the server's exception."""
    with TestClient(create_app(wiring, sync_index=False), raise_server_exceptions=False) as c:
        yield c


INTEGER_URLS = [
    "/search?start={n}",
    "/search?year_from={n}",
    "/search?year_to={n}&year_from=-{n}",
    "/search?year={n}",
    "/api/search?year={n}",
    "/api/search?year_from={n}",
    "/api/search?year_to=-{n}",
    "/api/search?limit={n}",
    "/api/items?offset={n}",
    "/api/items?limit=-{n}",
    "/api/items/{item}/files/{n}",
    "/api/items/{item}/files/{n}/content",
    "/api/jobs/{n}",
    "/api/jobs?ids={n}",
    "/api/jobs?limit={n}",
    "/sitemap-items-{n}.xml",
    "/sitemap-items-0.xml",
    "/sitemap-items--{n}.xml",
    "/collections/{collection}?page={n}",
    "/collections/{collection}?page=-{n}",
    "/browse/title?page={n}",
    "/courses?page={n}",
    "/courses/{item}/lessons/{n}",
    "/courses/{item}/package/{n}/index.html",
    "/items/{item}/files/{n}/x.pdf",
    "/workspace/items?page={n}",
    "/workspace/jobs?limit={n}",
]


@pytest.mark.parametrize("url", INTEGER_URLS)
def test_an_out_of_range_number_in_a_request_is_a_client_error(
    lenient: TestClient, wiring: Wiring, collection: str, token: str, url: str
) -> None:
    item = make_item(wiring, collection, files={"a.pdf": b"%PDF-1.4\n%%EOF\n"})
    target = url.format(n=HUGE, item=item.id, collection=collection)
    for headers in ({}, {"authorization": f"Bearer {token}"}):
        response = lenient.get(target, headers=headers, follow_redirects=False)
        assert response.status_code < 500, (target, response.status_code, response.text[:300])


def test_numbers_in_headers_and_unicode_digits_are_client_errors(
    lenient: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, files={"a.pdf": b"%PDF-1.4\n%%EOF\n"})
    bearer = {"authorization": f"Bearer {token}", "tus-resumable": "1.0.0"}
    created = lenient.post("/api/uploads", headers=bearer | {"upload-length": "9" * 5000})
    assert created.status_code == 400, created.text
    assert lenient.post("/api/uploads", headers=bearer | {"upload-length": "١٢".encode()}).status_code == 400
    file_url = f"/api/items/{item.id}/files/{item.files[0].id}/content"
    whole = lenient.get(file_url, headers={"range": "bytes=" + "9" * 5000 + "-"})
    assert whole.status_code == 200 and whole.content.startswith(b"%PDF")  # a malformed range: the whole file
    assert lenient.get(file_url, headers={"range": "bytes=٠-٣".encode()}).status_code == 200
    for url in ("/search?year_from=١٩٩٠", "/search?year=２０２０", "/api/search?year_from=10000"):
        assert lenient.get(url).status_code in (400, 422), url


def test_a_crafted_search_cursor_is_refused_by_the_site_and_the_api(
    lenient: TestClient, wiring: Wiring, collection: str
) -> None:
    """The crafted cursor of issue 15: a valid fingerprint with an offset that made tantivy abort the process."""
    for n in range(3):
        make_item(wiring, collection, f"Libraries {n}")
    sync(wiring.engine, wiring.store, wiring.index)
    query = Query(sort=Sort.NEWEST, limit=20)
    crafted = query.next_cursor(MAX_WINDOW - 1)
    for url in (f"/search?cursor={crafted}", f"/api/search?sort=newest&cursor={crafted}"):
        response = lenient.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert "cursor" in response.text
    first = lenient.get("/api/search?sort=newest&limit=2").json()
    assert first["cursor"] and len(first["hits"]) == 2
    following = lenient.get(f"/api/search?sort=newest&limit=2&cursor={first['cursor']}")
    assert following.status_code == 200 and len(following.json()["hits"]) == 1
    assert lenient.get("/").status_code == 200  # still serving


# --- bodies: every one is capped as it streams, chunked or not ---------------------------------


def send_chunked(base_url: str, method: str, path: str, headers: dict[str, str], total: int) -> tuple[int, int, bytes]:
    """Send a chunked body of up to `total` bytes over a raw socket until the server answers.

    Returns (status, bytes sent, response head): the server must answer without waiting for the end.
    """
    host, port = base_url.removeprefix("http://").split(":")
    chunk = b"a=" + b"x" * (64 * 1024 - 3) + b"&"  # many fields, none over a form parser's part limit
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nhost: {host}\r\ntransfer-encoding: chunked\r\n{head}\r\n".encode())
        try:
            while sent < total:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered: stop sending
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    status = int(answer.split(b" ", 2)[1]) if answer else 0
    return status, sent, answer.partition(b"\r\n\r\n")[0]


@pytest.fixture
def small_uploads(wiring: Wiring) -> Iterator[str]:
    wiring.settings.max_upload_bytes = 2 * 1024 * 1024
    with served(create_app(wiring, sync_index=False)) as url:
        yield url


def test_a_chunked_body_is_cut_off_at_the_cap_of_its_route(
    small_uploads: str, wiring: Wiring, collection: str, token: str
) -> None:
    """Issue 15: POST /oai buffered a 1 GiB body whole, and chunked bodies skipped the Content-Length check."""
    item = make_item(wiring, collection, published=False)
    bearer = {"authorization": f"Bearer {token}"}
    cases = [
        ("POST", "/oai", {"content-type": "application/x-www-form-urlencoded"}, OAI_MAX_BYTES),
        ("POST", "/login", {"content-type": "application/x-www-form-urlencoded"}, FORM_MAX_BYTES),
        ("POST", "/api/items", bearer | {"content-type": "application/json"}, FORM_MAX_BYTES),
        ("PATCH", f"/api/items/{item.id}", bearer | {"content-type": "application/json"}, FORM_MAX_BYTES),
        ("POST", f"/api/items/{item.id}/files?name=big.pdf", bearer, 3 * 1024 * 1024),
    ]
    for method, path, headers, cap in cases:
        status, sent, head = send_chunked(small_uploads, method, path, headers, total=256 * 1024 * 1024)
        assert status == 413, (path, status, head)
        assert sent < cap + 16 * 1024 * 1024, (path, sent)  # answered near the cap, not after 256 MiB
        assert b"connection: close" in head.lower()
    with reading(wiring.engine) as conn:
        assert not records.load_item(conn, item.id).files  # the cut-off upload left nothing behind
    assert httpx.get(f"{small_uploads}/oai?verb=Identify").status_code == 200  # and the server serves on


def test_every_form_that_takes_files_gets_the_upload_cap(lenient: TestClient) -> None:
    """The deposit form of a submitter was capped as a metadata form: a thesis over 4 MiB got 413."""
    limit = next(m for m in lenient.app.user_middleware if m.cls is BodyLimit)  # type: ignore[attr-defined]
    body_limit = BodyLimit(lenient.app, **limit.kwargs)
    for path in ("/deposits/new", "/workspace/upload", "/workspace/import", "/workspace/items/x1/files",
                 "/api/items/x1/files", "/api/uploads", "/api/uploads/abc"):  # fmt: skip
        assert body_limit.cap(path) > FORM_MAX_BYTES, path
    for path in ("/login", "/workspace/items/x1", "/api/items", "/deposits/x1/submit"):
        assert body_limit.cap(path) == FORM_MAX_BYTES, path
    assert body_limit.cap("/oai") == OAI_MAX_BYTES


def test_bodies_within_their_cap_are_read_whole(lenient: TestClient) -> None:
    form = "verb=Identify&" + "x=" + "y" * (OAI_MAX_BYTES // 2)
    ok = lenient.post("/oai", content=form, headers={"content-type": "application/x-www-form-urlencoded"})
    assert ok.status_code == 200 and b"badArgument" in ok.content  # read and parsed: x is not an OAI argument
    big = lenient.post(
        "/oai", content=form + "y" * OAI_MAX_BYTES, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert big.status_code == 413


# --- header values made of metadata ------------------------------------------------------------


def test_non_latin_and_control_characters_in_metadata_become_uri_escapes_in_the_link_header(
    small_uploads: str, wiring: Wiring, collection: str
) -> None:
    """Issue 15: an Arabic DOI or licence URI gave a 500 on the landing page; CR/LF cut the connection."""
    arabic = make_item(
        wiring,
        collection,
        "مقالة",
        identifiers=[{"scheme": "doi", "value": "10.1234/مقالة-١"}],
        license={"uri": "https://example.org/رخصة\n"},
        files={'تقرير "نهائي"; 1.pdf': b"%PDF-1.4\n%%EOF\n"},
    )
    injected = make_item(
        wiring, collection, "Injected", identifiers=[{"scheme": "doi", "value": "10.1/x>\r\nSet-Cookie: a=b"}]
    )
    for item in (arabic, injected):
        response = httpx.get(f"{small_uploads}/items/{item.id}")
        assert response.status_code == 200, response.text[:300]
        assert all("a=b" not in c for c in response.headers.get_list("set-cookie"))
        link = response.headers["link"]
        assert link.isascii() and "\r" not in link and "\n" not in link
        targets = re.findall(r"<([^>]*)>", link)
        assert all(" " not in t and '"' not in t for t in targets)
    link = httpx.get(f"{small_uploads}/items/{arabic.id}").headers["link"]
    assert f'<https://doi.org/{quote("10.1234/مقالة-١")}>; rel="cite-as"' in link
    assert f'<https://example.org/{quote("رخصة")}%0A>; rel="license"' in link
    assert (
        "<https://doi.org/10.1/x%3E%0D%0ASet-Cookie:%20a=b>"
        in httpx.get(f"{small_uploads}/items/{injected.id}").headers["link"]
    )
    download = httpx.get(small_uploads + arabic.files[0].path)
    disposition = download.headers["content-disposition"]
    assert disposition.isascii() and disposition.startswith('inline; filename="')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == 'تقرير "نهائي"; 1.pdf'


# --- an invalid Bearer token, and where sign-in returns to -------------------------------------


def test_an_invalid_bearer_token_is_401_for_the_api_and_signed_out_for_pages(
    lenient: TestClient, wiring: Wiring, collection: str
) -> None:
    """Issue 15: pages looped /login?next=/login?next=… and form posts answered 500."""
    bad = {"authorization": "Bearer not-a-token"}
    api = lenient.get("/api/jobs", headers=bad)
    assert api.status_code == 401 and api.headers["www-authenticate"].startswith("Bearer")
    assert lenient.post("/api/items", headers=bad, json={}).status_code == 401
    workspace = lenient.get("/workspace", headers=bad, follow_redirects=False)
    assert workspace.status_code == 303 and workspace.headers["location"] == "/login?next=%2Fworkspace"
    login = lenient.get(workspace.headers["location"], headers=bad, follow_redirects=False)
    assert login.status_code == 200 and 'name="next" value="/workspace"' in login.text
    assert lenient.get("/", headers=bad).status_code == 200  # a public page reads as signed out
    item = make_item(wiring, collection, published=False)
    for path in ("/logout", "/workspace/upload", f"/workspace/items/{item.id}/action", "/login"):
        response = lenient.post(path, headers=bad, data={"action": "publish"}, follow_redirects=False)
        assert response.status_code in (401, 403), (path, response.status_code)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https://evil.example/",
        "evil.example",
        "/login",
        "/login?next=/login?next=/workspace",
        "/login/?next=/x",
        "",
    ],
)
def test_sign_in_returns_only_to_a_local_page_that_is_not_the_sign_in(lenient: TestClient, target: str) -> None:
    page = lenient.get("/login", params={"next": target})
    assert page.status_code == 200 and 'name="next" value="/workspace"' in page.text
    assert local_target(target) == "/workspace"
    assert local_target("/items/abc?x=1#y") == "/items/abc?x=1#y"


def test_the_sign_in_redirect_never_nests_a_login_url(lenient: TestClient) -> None:
    response = lenient.get("/workspace/items?next=/login", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Fworkspace%2Fitems%3Fnext%3D%2Flogin"
    response = lenient.get("/login?next=%2Flogin%3Fnext%3D%252Fworkspace", follow_redirects=False)
    assert response.status_code == 200


# --- small things: one charset, no cookie for readers, ASCII dates in OAI-PMH ------------------


def test_anonymous_pages_set_no_cookie_and_the_sign_in_form_does(
    lenient: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, files={"a.txt": b"plain words"})
    for path in (
        "/",
        "/about",
        "/search?q=x",
        "/browse",
        "/courses",
        f"/items/{item.id}",
        "/no-such-page",
        "/oai?verb=Identify",
    ):
        response = lenient.get(path)
        assert response.status_code in (200, 404), path
        assert "set-cookie" not in response.headers, path
    login = lenient.get("/login")
    assert "mawrid_session=" in login.headers["set-cookie"]  # the form's CSRF token lives in the session


def test_a_text_derivative_is_served_with_one_charset(wiring: Wiring, collection: str, lenient: TestClient) -> None:
    item = make_item(wiring, collection, files={"notes.txt": "ملاحظات عن المكتبات".encode()})
    original = item.files[0]
    with wiring.store.open(original.key) as fh:
        extraction = extract_file(io.BytesIO(fh.read()), original.name)  # S3 streams do not seek
    apply_extraction(wiring.uow(), wiring.store, original.id, extraction)
    with reading(wiring.engine) as conn:
        text = next(f for f in records.load_item(conn, item.id).files if f.role is FileRole.TEXT)
    response = lenient.get(f"/api/items/{item.id}/files/{text.id}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "value", ["２０２０-01-01", "٢٠٢٠-01-01", "2020-01-01\n", "2020-01-01T00:00:00Z\n", "2020-０1-01"]
)
def test_oai_dates_take_ascii_digits_only(lenient: TestClient, value: str) -> None:
    response = lenient.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": value})
    assert response.status_code == 200 and 'code="badArgument"' in response.text


def test_text_xml_cannot_carry_is_refused_before_it_reaches_oai_pmh(
    lenient: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    """Found by the fuzzing run: a collection named with a NUL byte made every ListSets answer 500."""
    bearer = {"authorization": f"Bearer {token}"}
    before = lenient.get("/oai?verb=ListSets").text
    for name in ("bad\x00name", "bad\x1bname", "bad\ufffename"):
        made = lenient.post(
            "/api/collections",
            headers=bearer,
            json={"id": "fuzzed", "community": "media", "name_en": name, "name_ar": "اسم"},
        )
        assert made.status_code in (400, 422), made.text
        item = lenient.post(
            "/api/items",
            headers=bearer,
            json={"collection": collection, "metadata": {"titles": [{"value": name}], "type": "article"}},
        )
        assert item.status_code in (400, 422) and "titles.0.value" in item.text, item.text
    after = lenient.get("/oai?verb=ListSets")
    assert after.status_code == 200 and after.text.count("<setSpec>") == before.count("<setSpec>")
    multiline = make_item(wiring, collection, "Line one\r\n\tline two")  # tab, CR and LF are XML
    identifier = OaiProvider(wiring.engine, wiring.settings).oai_identifier(multiline.id)
    record = lenient.get("/oai", params={"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier})
    assert record.status_code == 200 and "Line one" in record.text
