"""Killed with SIGKILL in the middle of a deposit, Mawrid keeps whole items only, and sweeps what is left.

Each test runs the real thing in a child process — `mawrid import`, or `mawrid serve` behind a
real socket — kills it while an object is being written (its temporary file is on disk), then
restarts or re-runs it and counts rows. The child uses the same backend as the test (SQLite and
a local directory, or PostgreSQL and SeaweedFS S3).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
from sqlalchemy import func, select

from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Role
from repository.objects.local import LocalObjectStore
from repository.objects.s3 import S3ObjectStore
from repository.services import users
from tests.factories import make_item
from tests.server import free_port
from tests.web.conftest import PASSWORD
from web.housekeeping import Housekeeping
from web.wiring import Wiring

BIG = 24 * 1024 * 1024  # large enough that a kill lands while its object is being written


def env_of(wiring: Wiring) -> dict[str, str]:
    """MAWRID_* settings for a child process that shares this test's database and object store."""
    env = {
        "MAWRID_DATA_DIR": str(wiring.settings.data_dir),
        "MAWRID_SECRET_KEY": "crash-test-secret-key",
        "MAWRID_TEMP_GRACE_MINUTES": "0",  # a restart sweeps at once what no live process holds
        "COLUMNS": "200",
    }
    if wiring.settings.database_url:
        env["MAWRID_DATABASE_URL"] = wiring.settings.database_url
    if isinstance(wiring.store, S3ObjectStore):
        env |= {
            "MAWRID_S3_BUCKET": wiring.store.bucket,
            "MAWRID_S3_ENDPOINT_URL": wiring.store.client.meta.endpoint_url,
            "MAWRID_S3_PREFIX": wiring.store.prefix,
            "MAWRID_S3_ACCESS_KEY_ID": "any",
            "MAWRID_S3_SECRET_ACCESS_KEY": "any",
        }
    return {**os.environ, **env}


def temp_objects(wiring: Wiring) -> list[Path]:
    """The store's temporary files: a put in progress, or one a crash left."""
    store = wiring.store
    if isinstance(store, LocalObjectStore):
        return sorted(store.tmp.glob("put-*")) if store.tmp.is_dir() else []
    assert isinstance(store, S3ObjectStore) and store.spool_dir is not None
    return sorted(store.spool_dir.glob("s3-spool-*")) if store.spool_dir.is_dir() else []


def count(wiring: Wiring, table: t.Table) -> int:  # type: ignore[name-defined]
    with reading(wiring.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def half_items(wiring: Wiring) -> list[str]:
    """Items with no original file: what an interrupted deposit used to leave."""
    with reading(wiring.engine) as conn:
        with_files = select(t.files.c.item_id).where(t.files.c.role == "original")
        return list(conn.execute(select(t.items.c.id).where(t.items.c.id.not_in(with_files))).scalars())


def wait_until(check: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"the process ended before {what}: {proc.stdout.read() if proc.stdout else ''!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and its children (a `serve` has worker processes): a crash, not a shutdown."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def mawrid(wiring: Wiring, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", *args],
        env=env_of(wiring),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def serving(wiring: Wiring) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = mawrid(wiring, "serve", "--port", str(port), "--workers", "1")
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/login", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, "the server answered", proc)
        yield base, proc
    finally:
        kill(proc)


def in_background(send: Callable[[], object]) -> threading.Thread:
    """Send a request the server will die in the middle of; its connection error is expected."""

    def run() -> None:
        with suppress(httpx.HTTPError):
            send()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def signed_in(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": "crash@qou.edu", "password": PASSWORD, "csrf_token": token})
    page = client.get("/workspace").text
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def assert_swept_on_restart(wiring: Wiring) -> None:
    """A restarted `serve` sweeps at start-up: no temporary object is left behind."""
    with serving(wiring) as (_, proc):
        wait_until(lambda: not temp_objects(wiring), "the start-up sweep", proc, timeout=30)


def test_a_killed_import_leaves_whole_items_and_a_rerun_completes_it(wiring: Wiring, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    with open(folder / "metadata.csv", "w", newline="") as fh:
        sheet = csv.writer(fh)
        sheet.writerow(["id", "files", "title", "type"])
        for n in range(5):
            (folder / f"part-{n}.bin").write_bytes(os.urandom(BIG))
            sheet.writerow([f"vol-{n}" if n % 2 else "", f"part-{n}.bin", f"Volume {n}", "book"])
    proc = mawrid(wiring, "import", str(folder), "--no-wait")
    try:
        # Killed while the third item's file is being written, two items in.
        wait_until(lambda: count(wiring, t.items) >= 2 and bool(temp_objects(wiring)), "the third file", proc)
    finally:
        kill(proc)
    assert half_items(wiring) == []
    assert count(wiring, t.items) == count(wiring, t.files) == count(wiring, t.ingest_jobs) < 5
    assert temp_objects(wiring)  # the partial object of the killed put…
    Housekeeping(wiring).sweep(time.time() + 3601)  # …is swept past the grace period (`serve` does it at start)
    assert temp_objects(wiring) == []
    rerun = mawrid(wiring, "import", str(folder), "--no-wait")
    out = rerun.communicate(timeout=300)[0].decode()
    assert rerun.returncode == 0, out
    assert "already there" in out
    assert count(wiring, t.items) == count(wiring, t.files) == 5 and half_items(wiring) == []
    with reading(wiring.engine) as conn:
        digests = sorted(conn.execute(select(t.files.c.sha256)).scalars())
    assert digests == sorted(hashlib.sha256((folder / f"part-{n}.bin").read_bytes()).hexdigest() for n in range(5))


def test_a_server_killed_during_a_form_upload_leaves_no_item(wiring: Wiring, collection: str) -> None:
    users.add_user(wiring.uow(), "crash@qou.edu", PASSWORD, Role.LIBRARIAN)
    big = os.urandom(BIG)
    with serving(wiring) as (base, proc):
        client, csrf = signed_in(base)
        form = {"csrf_token": csrf, "collection": collection, "title": "Killed", "type": "book"}
        files = [("files", ("one.bin", big, "application/octet-stream")), ("files", ("two.txt", b"two", "text/plain"))]
        in_background(lambda: client.post("/workspace/upload", data=form, files=files))
        wait_until(lambda: bool(temp_objects(wiring)), "the first file's put", proc)
        kill(proc)
    assert count(wiring, t.items) == 0 and count(wiring, t.files) == 0
    assert_swept_on_restart(wiring)
    assert count(wiring, t.items) == 0


def test_a_server_killed_during_an_api_file_post_keeps_the_item_unchanged(
    wiring: Wiring, collection: str, tmp_path: Path
) -> None:
    user = users.add_user(wiring.uow(), "crash@qou.edu", PASSWORD, Role.LIBRARIAN)
    token = users.create_api_token(wiring.uow(), user.id, "crash")
    item = make_item(wiring, collection, "API target", published=False)
    big = os.urandom(BIG)
    with serving(wiring) as (base, proc):
        url = f"{base}/api/items/{item.id}/files?name=big.bin"
        headers = {"authorization": f"Bearer {token}"}
        in_background(lambda: httpx.post(url, content=big, headers=headers, timeout=120))
        wait_until(lambda: bool(temp_objects(wiring)), "the file's put", proc)
        kill(proc)
    assert count(wiring, t.files) == 0 and count(wiring, t.ingest_jobs) == 0
    assert_swept_on_restart(wiring)


def test_a_server_killed_while_a_tus_upload_finishes_records_it_once_on_restart(
    wiring: Wiring, collection: str
) -> None:
    user = users.add_user(wiring.uow(), "crash@qou.edu", PASSWORD, Role.LIBRARIAN)
    headers = {
        "authorization": f"Bearer {users.create_api_token(wiring.uow(), user.id, 'crash')}",
        "tus-resumable": "1.0.0",
    }
    item = make_item(wiring, collection, "Resumable target", published=False)
    big = os.urandom(BIG)
    meta = f"item {base64.b64encode(item.id.encode()).decode()},filename {base64.b64encode(b'big.bin').decode()}"
    with serving(wiring) as (base, proc):
        created = httpx.post(
            f"{base}/api/uploads", headers=headers | {"upload-length": str(BIG), "upload-metadata": meta}
        )
        path = created.headers["location"]
        url = base + path
        patch = headers | {"upload-offset": "0", "content-type": "application/offset+octet-stream"}
        in_background(lambda: httpx.patch(url, content=big, headers=patch, timeout=120))
        wait_until(lambda: bool(temp_objects(wiring)), "the finished upload's put", proc)
        kill(proc)
    assert count(wiring, t.files) == 0
    with serving(wiring) as (base, proc):
        wait_until(lambda: not temp_objects(wiring), "the start-up sweep", proc, timeout=30)
        url = base + path  # the restarted server listens on another port
        head = httpx.head(url, headers=headers, timeout=120)
        assert head.status_code == 200 and head.headers["upload-offset"] == str(BIG)
        assert "x-mawrid-file" in head.headers  # the HEAD recorded the file the crash interrupted
        again = httpx.head(url, headers=headers, timeout=120)
        assert again.headers["x-mawrid-file"] == head.headers["x-mawrid-file"]
    with reading(wiring.engine) as conn:
        stored = list(conn.execute(select(t.files.c.size, t.files.c.sha256)))
    assert [(r.size, r.sha256) for r in stored] == [(BIG, hashlib.sha256(big).hexdigest())]
    assert not list((wiring.settings.data_dir / "uploads").glob("*.part"))
