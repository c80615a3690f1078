"""tus uploads under concurrency and abuse: one writer at a time, no byte past Upload-Length, expiry."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from tusclient import client as tus

from repository.db import tables as t
from repository.db.uow import reading
from tests.factories import make_item
from web.api.tus import LOCK_WAIT_SECONDS, expire_uploads
from web.wiring import Wiring

TUS = {"tus-resumable": "1.0.0"}
BYTES = "application/offset+octet-stream"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _meta(item_id: str, filename: str = "lecture.bin") -> str:
    return f"item {base64.b64encode(item_id.encode()).decode()},filename {base64.b64encode(filename.encode()).decode()}"


def _create(base: str, token: str, item_id: str, length: int) -> str:
    created = httpx.post(
        f"{base}/api/uploads",
        headers=bearer(token) | TUS | {"upload-length": str(length), "upload-metadata": _meta(item_id)},
    )
    assert created.status_code == 201, created.text
    return base + str(created.headers["location"])


def _stored_files(wiring: Wiring) -> list[tuple[int, str]]:
    with reading(wiring.engine) as conn:
        return [(r.size, r.sha256) for r in conn.execute(select(t.files.c.size, t.files.c.sha256))]


def _open_patch(base: str, path: str, token: str, offset: int, length: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    conn.putrequest("PATCH", path)
    for name, value in (TUS | bearer(token) | {
        "upload-offset": str(offset), "content-length": str(length), "content-type": BYTES,
    }).items():  # fmt: skip
        conn.putheader(name, value)
    conn.endheaders()
    return conn


def _finish_patch(conn: http.client.HTTPConnection, body: bytes) -> int:
    with contextlib.suppress(OSError):  # the server may refuse before reading the body, and close the connection
        conn.send(body)
    status = conn.getresponse().status
    conn.close()
    return status


def test_two_concurrent_patches_at_one_offset_cannot_both_append(
    live_url: str, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Concurrent", published=False)
    data = os.urandom(100_000)
    url = _create(live_url, token, item.id, len(data))
    path = urlsplit(url).path
    # Both requests are in the server, past their headers, before either sends a byte of its body.
    first = _open_patch(live_url, path, token, 0, len(data))
    time.sleep(0.3)
    second = _open_patch(live_url, path, token, 0, len(data))
    time.sleep(0.3)
    statuses = sorted([_finish_patch(second, data), _finish_patch(first, data)])
    assert statuses[0] == 204 and statuses[1] in (409, 423), statuses
    assert _stored_files(wiring) == [(100_000, hashlib.sha256(data).hexdigest())]
    head = httpx.head(url, headers=bearer(token) | TUS)
    assert head.headers["upload-offset"] == "100000"


def test_a_patch_is_refused_while_another_process_holds_the_upload(
    live_url: str, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Held", published=False)
    url = _create(live_url, token, item.id, 10)
    part = wiring.settings.data_dir / "uploads" / f"{urlsplit(url).path.rsplit('/', 1)[1]}.part"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys,time; f=open(sys.argv[1],'rb'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(part)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        started = time.monotonic()
        refused = httpx.patch(
            url,
            content=b"0123456789",
            headers=bearer(token) | TUS | {"upload-offset": "0", "content-type": BYTES},
            timeout=30,
        )
        assert refused.status_code == 423
        assert time.monotonic() - started >= LOCK_WAIT_SECONDS  # it waited for the holder before refusing
        assert httpx.head(url, headers=bearer(token) | TUS).headers["upload-offset"] == "0"
        # Expiry leaves an upload alone while someone holds it, even when it is long past its time.
        assert expire_uploads(wiring.settings.data_dir, time.time() + 48 * 3600, 0) == []
    finally:
        holder.kill()
        holder.wait()
    done = httpx.patch(
        url, content=b"0123456789", headers=bearer(token) | TUS | {"upload-offset": "0", "content-type": BYTES}
    )
    assert done.status_code == 204 and _stored_files(wiring) == [(10, hashlib.sha256(b"0123456789").hexdigest())]


def test_bytes_past_upload_length_are_refused_and_not_kept(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Bounded", published=False)
    headers = bearer(token) | TUS
    created = client.post("/api/uploads", headers=headers | {"upload-length": "10", "upload-metadata": _meta(item.id)})
    url = created.headers["location"]
    declared = client.patch(url, content=b"x" * 11, headers=headers | {"upload-offset": "0", "content-type": BYTES})
    assert declared.status_code == 413
    first = client.patch(url, content=b"12345", headers=headers | {"upload-offset": "0", "content-type": BYTES})
    assert first.status_code == 204

    def chunked():  # type: ignore[no-untyped-def]  # no Content-Length: the server counts as it reads
        yield b"678"
        yield b"9012345"

    streamed = client.patch(url, content=chunked(), headers=headers | {"upload-offset": "5", "content-type": BYTES})
    assert streamed.status_code == 413
    assert client.head(url, headers=headers).headers["upload-offset"] == "5"
    assert _stored_files(wiring) == []
    last = client.patch(url, content=b"67890", headers=headers | {"upload-offset": "5", "content-type": BYTES})
    assert last.status_code == 204 and _stored_files(wiring) == [(10, hashlib.sha256(b"1234567890").hexdigest())]


def test_an_empty_upload_is_refused_at_creation(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Empty", published=False)
    refused = client.post(
        "/api/uploads", headers=bearer(token) | TUS | {"upload-length": "0", "upload-metadata": _meta(item.id)}
    )
    assert refused.status_code == 400 and "empty" in refused.json()["detail"]
    assert not list((wiring.settings.data_dir / "uploads").glob("*"))


def test_abandoned_uploads_expire(live_url: str, wiring: Wiring, collection: str, token: str) -> None:
    item = make_item(wiring, collection, "Abandoned", published=False)
    uploads = tus.TusClient(f"{live_url}/api/uploads", headers=bearer(token))
    uploader = uploads.uploader(
        file_stream=io.BytesIO(b"a" * 300_000), chunk_size=100_000, metadata={"item": item.id, "filename": "x.bin"}
    )
    uploader.upload(stop_at=100_000)
    assert uploader.url is not None
    head = httpx.head(uploader.url, headers=bearer(token) | TUS)
    expires = head.headers["upload-expires"]  # an HTTP-date about MAWRID_TUS_EXPIRY_HOURS ahead
    from email.utils import parsedate_to_datetime

    ahead = parsedate_to_datetime(expires).timestamp() - time.time()
    assert 23 * 3600 < ahead <= 24 * 3600 + 5
    folder: Path = wiring.settings.data_dir / "uploads"
    assert expire_uploads(wiring.settings.data_dir, time.time() + 3600, 3600) == []
    removed = expire_uploads(wiring.settings.data_dir, time.time() + 25 * 3600, 3600)
    assert len(removed) == 1 and not list(folder.glob("*"))
    assert httpx.head(uploader.url, headers=bearer(token) | TUS).status_code == 404
    assert _stored_files(wiring) == []


def test_tuspy_uploads_a_whole_file_once(live_url: str, wiring: Wiring, collection: str, token: str) -> None:
    item = make_item(wiring, collection, "Whole", published=False)
    data = os.urandom(700_000)
    uploads = tus.TusClient(f"{live_url}/api/uploads", headers=bearer(token))
    uploader = uploads.uploader(
        file_stream=io.BytesIO(data), chunk_size=256 * 1024, metadata={"item": item.id, "filename": "whole.bin"}
    )
    uploader.upload()
    assert _stored_files(wiring) == [(700_000, hashlib.sha256(data).hexdigest())]
    assert not list((wiring.settings.data_dir / "uploads").glob("*.part"))


def test_a_crash_after_the_file_was_recorded_does_not_record_it_twice(
    client: TestClient, wiring: Wiring, collection: str, token: str
) -> None:
    item = make_item(wiring, collection, "Recorded once", published=False)
    headers = bearer(token) | TUS
    created = client.post("/api/uploads", headers=headers | {"upload-length": "10", "upload-metadata": _meta(item.id)})
    url = created.headers["location"]
    done = client.patch(url, content=b"0123456789", headers=headers | {"upload-offset": "0", "content-type": BYTES})
    assert done.status_code == 204
    # The state a crash between the commit and the upload's own record leaves: the record and
    # the partial file say "all bytes here, no file yet".
    record = wiring.settings.data_dir / "uploads" / f"{url.rsplit('/', 1)[1]}.json"
    info = json.loads(record.read_text())
    file_id = info.pop("file_id")
    record.write_text(json.dumps(info))
    record.with_suffix(".part").write_bytes(b"0123456789")
    head = client.head(url, headers=headers)
    assert head.headers["x-mawrid-file"] == f"/api/items/{item.id}/files/{file_id}"
    assert _stored_files(wiring) == [(10, hashlib.sha256(b"0123456789").hexdigest())]
    assert not record.with_suffix(".part").exists()
