"""A browser upload whose files cannot all be accepted creates nothing: no item, no file, no job, no object."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from repository.db import tables as t
from repository.db.uow import reading
from tests.factories import make_item
from web.wiring import Wiring


def _counts(wiring: Wiring) -> tuple[int, int, int]:
    with reading(wiring.engine) as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (t.items, t.files, t.ingest_jobs)
        )


def _upload(client: TestClient, staff: str, collection: str, *files: tuple[str, bytes]) -> tuple[int, str]:
    response = client.post(
        "/workspace/upload",
        data={"csrf_token": staff, "collection": collection, "title": "Two files", "type": "book"},
        files=[("files", (name, body, "application/octet-stream")) for name, body in files],
        follow_redirects=False,
    )
    return response.status_code, response.text


def test_a_refused_second_file_leaves_no_item(client: TestClient, wiring: Wiring, collection: str, staff: str) -> None:
    status, page = _upload(client, staff, collection, ("one.pdf", b"%PDF-1.4 one"), ("two\u202e.pdf", b"%PDF two"))
    assert status == 400 and "bidirectional" in page
    assert _counts(wiring) == (0, 0, 0) and list(wiring.store.keys()) == []


def test_a_second_file_over_the_limit_leaves_no_item(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    wiring.settings.max_upload_bytes = 5_000
    status, page = _upload(client, staff, collection, ("one.pdf", b"%PDF-1.4 one"), ("two.pdf", b"x" * 6_000))
    assert status == 413 and "two.pdf is larger than the limit of 5000 bytes" in page
    assert _counts(wiring) == (0, 0, 0) and list(wiring.store.keys()) == []  # refused before a byte was stored


def test_an_empty_file_is_refused_with_a_clear_error(
    client: TestClient, wiring: Wiring, collection: str, staff: str, token: str
) -> None:
    status, page = _upload(client, staff, collection, ("one.pdf", b"%PDF-1.4 one"), ("blank.pdf", b""))
    assert status == 400 and "blank.pdf is empty (0 bytes)" in page
    assert _counts(wiring) == (0, 0, 0)
    item = make_item(wiring, collection, "API", published=False)
    before = _counts(wiring)
    refused = client.post(
        f"/api/items/{item.id}/files", params={"name": "blank.pdf"}, content=b"",
        headers={"authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert refused.status_code == 400 and "blank.pdf is empty" in refused.json()["detail"]
    assert _counts(wiring) == before


def test_a_whole_upload_creates_the_item_with_all_its_files_at_once(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    status, _ = _upload(client, staff, collection, ("one.pdf", b"%PDF-1.4 one"), ("two.pdf", b"%PDF-1.4 two"))
    assert status == 303 and _counts(wiring) == (1, 2, 2)
    with reading(wiring.engine) as conn:
        actions = list(conn.execute(select(t.versions.c.action)).scalars())
    assert actions == ["deposit"]  # one change: the item was never visible without its files


def test_uploading_bytes_another_item_holds_warns_and_links_it(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    first = make_item(wiring, collection, "The original", published=False, files={"thesis.pdf": b"%PDF-1.4 same"})
    response = client.post(
        "/workspace/upload",
        data={"csrf_token": staff, "collection": collection, "title": "Again", "type": "thesis"},
        files=[("files", ("copy.pdf", b"%PDF-1.4 same", "application/pdf"))],
    )
    assert response.status_code == 200 and _counts(wiring)[0] == 2
    assert f'<a href="/workspace/items/{first.id}">copy.pdf → {first.id}</a>' in response.text
    assert "هذا الملف موجود في مادة أخرى" in response.text  # the site speaks Arabic first
    fresh = client.post(
        "/workspace/upload",
        data={"csrf_token": staff, "collection": collection, "title": "New", "type": "thesis"},
        files=[("files", ("new.pdf", b"%PDF-1.4 different", "application/pdf"))],
    )
    assert "موجود في مادة أخرى" not in fresh.text
