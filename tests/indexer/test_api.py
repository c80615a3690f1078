"""GET /api/search through the real app: JSON shape, OpenAPI documentation, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from indexer.sync import sync
from tests.factories import make_item
from tests.indexer.conftest import add_text
from web.app import create_app
from web.wiring import Wiring


@pytest.fixture
def client(wiring: Wiring) -> Iterator[TestClient]:
    with TestClient(create_app(wiring)) as test_client:
        yield test_client


def test_search_returns_hits_facets_and_a_cursor(client: TestClient, wiring: Wiring, collection: str) -> None:
    first = make_item(
        wiring, collection, "Libraries of Nablus", creators=[{"name": "Ahmad Khalil"}], date_issued="2019"
    )
    add_text(wiring, first.id, "Cover. The old library of Nablus.", page_starts=[0, 7])
    second = make_item(wiring, collection, "Library science", type="thesis", date_issued="2020")
    sync(wiring.engine, wiring.store, wiring.index)

    response = client.get("/api/search", params={"q": "nablus library", "limit": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["cursor"] is None and body["took_ms"] >= 0
    hit = body["hits"][0]
    assert {k: hit[k] for k in ("id", "title", "type", "year", "authors")} == {
        "id": first.id,
        "title": "Libraries of Nablus",
        "type": "article",
        "year": 2019,
        "authors": ["Ahmad Khalil"],
    }
    assert hit["snippet"]["page"] == 2 and "<mark>library</mark> of <mark>Nablus</mark>" in hit["snippet"]["html"]
    assert body["facets"]["type"] == [{"value": "article", "count": 1}]

    paged = client.get("/api/search", params={"q": "library", "limit": 1, "sort": "newest"}).json()
    assert paged["total"] == 2 and paged["hits"][0]["id"] == second.id and paged["cursor"]
    rest = client.get("/api/search", params={"q": "library", "limit": 1, "sort": "newest", "cursor": paged["cursor"]})
    assert [h["id"] for h in rest.json()["hits"]] == [first.id] and rest.json()["cursor"] is None

    filtered = client.get("/api/search", params=[("type", "thesis"), ("type", "report"), ("facets", "false")])
    assert [h["id"] for h in filtered.json()["hits"]] == [second.id] and filtered.json()["facets"] == {}


def test_bad_input_is_a_clear_error_and_malformed_text_is_not(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": '"unclosed OR'}).status_code == 200
    bad_cursor = client.get("/api/search", params={"q": "x", "cursor": "garbage"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/search", params={"sort": "sideways"}).status_code == 422
    assert client.get("/api/search", params={"limit": 1000}).status_code == 422


def test_search_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/search"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"q", "sort", "limit", "cursor", "type", "year_from", "oer", "fulltext"} <= params
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response_schema == {"$ref": "#/components/schemas/SearchOut"}
    assert {"total", "took_ms", "hits", "facets", "cursor"} <= set(
        schema["components"]["schemas"]["SearchOut"]["properties"]
    )
    assert {"id", "title", "snippet", "type", "year", "authors"} <= set(
        schema["components"]["schemas"]["HitOut"]["properties"]
    )
