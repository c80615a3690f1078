"""Requests built to hurt: crafted cursors, huge numbers, endless bodies, hostile header values.

Every one must get a clear 4xx (or a correct answer) and leave the server serving.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from indexer.ports import MAX_WINDOW, Query, Sort
from indexer.sync import sync
from tests.factories import make_item
from web.app import create_app
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
