"""The JSON API: items, files, collections, jobs, Bearer tokens, problem+json, and tus resumable uploads."""

from __future__ import annotations

import hashlib
import http.client
import io
import time
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tusclient import client as tus

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from tests.factories import make_item, metadata
from web.wiring import Wiring


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_items_can_be_created_updated_published_and_deleted(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    created = client.post(
        "/api/items", json={"collection": collection, "metadata": metadata("بحث جديد")}, headers=bearer(token)
    )
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    assert created.headers["location"] == f"/api/items/{item_id}" and created.json()["status"] == "draft"
    assert client.get(f"/api/items/{item_id}").status_code == 404  # a draft is not there for readers
    replaced = client.put(f"/api/items/{item_id}/metadata", json=metadata("بحث منقّح"), headers=bearer(token))
    assert replaced.json()["metadata"]["titles"][0]["value"] == "بحث منقّح"
    patched = client.patch(f"/api/items/{item_id}", json={"embargo_until": "2030-01-01"}, headers=bearer(token))
    assert patched.json()["embargo_until"] == "2030-01-01"
    lifted = client.patch(f"/api/items/{item_id}", json={"lift_embargo": True}, headers=bearer(token))
    assert lifted.json()["embargo_until"] is None
    published = client.post(f"/api/items/{item_id}/publish", headers=bearer(token))
    assert published.json()["status"] == "published"
    public = client.get(f"/api/items/{item_id}").json()
    assert public["files"] == [] and public["suggestions"] is None
    listing = client.get("/api/items").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == item_id
    versions = client.get(f"/api/items/{item_id}/versions", headers=bearer(token)).json()
    assert [v["action"] for v in versions] == ["deposit", "update", "embargo", "embargo", "publish"]
    no_reason = client.post(f"/api/items/{item_id}/withdraw", headers=bearer(token))
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    withdrawn = client.post(f"/api/items/{item_id}/withdraw", params={"reason": "Superseded"}, headers=bearer(token))
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"/api/items/{item_id}").json()["reason"] == "Superseded"
    assert client.delete(f"/api/items/{item_id}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/items/{item_id}").status_code == 410  # a tombstone: gone for good


def test_changes_need_a_valid_token_and_bad_metadata_changes_nothing(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    anonymous = client.post("/api/items", json={"collection": collection, "metadata": metadata()})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = client.post(
        "/api/items", json={"collection": collection, "metadata": metadata()}, headers=bearer("mwr_forged")
    )
    assert forged.status_code == 401
    invalid = client.post(
        "/api/items", json={"collection": collection, "metadata": {"titles": []}}, headers=bearer(token)
    )
    assert invalid.status_code == 422 and invalid.json()["errors"]["titles"] == "needs at least one value"
    with reading(wiring.engine) as conn:
        assert conn.execute(select(func.count()).select_from(t.items)).scalar_one() == 0


def test_files_stream_in_and_queue_an_ingest_job(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Streaming", published=False)
    data = b"%PDF-1.4\n" + bytes(range(256)) * 8000  # ~2 MB, several chunks

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    added = client.post(
        f"/api/items/{item.id}/files", params={"name": "دراسة.pdf"}, content=chunks(), headers=bearer(token)
    )
    assert added.status_code == 202, added.text
    body = added.json()
    assert body["file"]["sha256"] == hashlib.sha256(data).hexdigest() and body["file"]["mime"] == "application/pdf"
    job = client.get(body["job_url"], headers=bearer(token)).json()
    assert job["status"] == "queued" and job["item_id"] == item.id
    assert client.get(body["job_url"]).status_code == 401
    content = client.get(f"/api/items/{item.id}/files/{body['file']['id']}/content", headers=bearer(token))
    assert content.content == data
    queued = client.get("/api/jobs", params={"status": "queued", "item": item.id}, headers=bearer(token)).json()
    assert [j["id"] for j in queued] == [body["job_id"]]
    assert client.delete(f"/api/items/{item.id}/files/{body['file']['id']}", headers=bearer(token)).status_code == 204


def test_collections_are_listed_with_public_counts(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    make_item(wiring, collection, "Counted")
    make_item(wiring, collection, "Not counted", published=False)
    assert client.get("/api/collections").json() == [
        {
            "id": "journalism",
            "community": "media",
            "name_en": "Journalism",
            "name_ar": "الصحافة",
            "description": "",
            "public_items": 1,
        }
    ]
    made = client.post(
        "/api/collections",
        json={"id": "radio", "community": "media", "name_en": "Radio", "name_ar": "الإذاعة"},
        headers=bearer(token),
    )
    assert made.status_code == 201 and client.get("/api/collections/radio").json()["public_items"] == 0
    assert client.get("/api/communities").json()[0]["collections"] == ["journalism", "radio"]


def test_openapi_is_published_and_documented(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert {"/api/items", "/api/items/{item_id}/files", "/api/jobs", "/api/uploads"} <= set(spec["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/items/{item_id}/files" in docs.text


def test_tus_uploads_resume_after_a_dropped_connection(
    live_url: str, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Resumable", published=False)
    data = bytes(range(256)) * 4096  # 1 MiB
    uploads = tus.TusClient(f"{live_url}/api/uploads", headers=bearer(token))
    first = uploads.uploader(
        file_stream=io.BytesIO(data), chunk_size=256 * 1024, metadata={"item": item.id, "filename": "lecture.bin"}
    )
    first.upload(stop_at=256 * 1024)
    assert first.url is not None
    # The connection drops in the middle of the next PATCH: what arrived is kept.
    path = urlsplit(first.url).path
    conn = http.client.HTTPConnection(urlsplit(live_url).netloc)
    conn.putrequest("PATCH", path)
    for name, value in {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": str(256 * 1024),
        "Content-Length": str(256 * 1024),
        "Content-Type": "application/offset+octet-stream",
        **bearer(token),
    }.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(data[256 * 1024 : 256 * 1024 + 100_000])
    conn.sock.close()  # type: ignore[union-attr]
    resumed = uploads.uploader(file_stream=io.BytesIO(data), url=first.url, chunk_size=256 * 1024)
    deadline = time.monotonic() + 10
    while resumed.get_offset() != 256 * 1024 + 100_000:  # the server notices the drop a moment later
        assert time.monotonic() < deadline, resumed.get_offset()
        time.sleep(0.05)
    resumed.offset = resumed.get_offset()
    resumed.upload()
    with reading(wiring.engine) as conn2:
        stored = records.load_item(conn2, item.id).files
    assert [(f.name, f.sha256) for f in stored] == [("lecture.bin", hashlib.sha256(data).hexdigest())]
    assert not list((wiring.settings.data_dir / "uploads").glob("*.part"))


def test_tus_refuses_wrong_offsets_versions_and_oversized_uploads(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Checks", published=False)
    options = client.options("/api/uploads")
    assert options.headers["tus-version"] == "1.0.0" and "creation" in options.headers["tus-extension"]
    headers = bearer(token) | {"tus-resumable": "1.0.0"}
    meta = f"item {__import__('base64').b64encode(item.id.encode()).decode()},filename YS5iaW4="
    too_big = client.post(
        "/api/uploads",
        headers=headers | {"upload-length": str(wiring.settings.max_upload_bytes + 1), "upload-metadata": meta},
    )
    assert too_big.status_code == 413
    assert client.post("/api/uploads", headers=bearer(token) | {"upload-length": "10"}).status_code == 412
    created = client.post("/api/uploads", headers=headers | {"upload-length": "10", "upload-metadata": meta})
    assert created.status_code == 201
    url = created.headers["location"]
    wrong = client.patch(
        url,
        content=b"12345",
        headers=headers | {"upload-offset": "3", "content-type": "application/offset+octet-stream"},
    )
    assert wrong.status_code == 409
    ok = client.patch(
        url,
        content=b"12345",
        headers=headers | {"upload-offset": "0", "content-type": "application/offset+octet-stream"},
    )
    assert ok.status_code == 204 and ok.headers["upload-offset"] == "5"
    assert client.head(url, headers=headers).headers["upload-offset"] == "5"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.head(url, headers=headers).status_code == 404
