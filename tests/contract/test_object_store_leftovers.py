"""Partial temporary objects of a put that died: listed, swept, and never mistaken for a live put."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from repository.objects.local import LocalObjectStore
from repository.objects.ports import ObjectStore
from repository.objects.s3 import S3ObjectStore

# Run in a child process: start a put whose stream sends 2 MiB, then hangs until the process is killed.
PUT_THEN_HANG = """
import io, json, sys, time
from pathlib import Path
from repository.objects.local import LocalObjectStore
from repository.objects.s3 import S3ObjectStore

args = json.loads(sys.argv[1])
if args["kind"] == "local":
    store = LocalObjectStore(Path(args["root"]))
else:
    store = S3ObjectStore(args["bucket"], endpoint_url=args["endpoint"], access_key_id="any",
                          secret_access_key="any", spool_dir=Path(args["spool"]), prefix=args["prefix"])

class Hanging(io.RawIOBase):
    sent = 0
    def readable(self): return True
    def readinto(self, buf):
        if self.sent >= 2 * 1024 * 1024:
            time.sleep(600)
        n = min(len(buf), 64 * 1024)
        buf[:n] = b"z" * n
        self.sent += n
        return n

store.put(Hanging())
"""


def _temp_dir(store: ObjectStore) -> Path:
    if isinstance(store, LocalObjectStore):
        return store.tmp
    assert isinstance(store, S3ObjectStore) and store.spool_dir is not None
    return store.spool_dir


def _args(store: ObjectStore) -> dict[str, str]:
    if isinstance(store, LocalObjectStore):
        return {"kind": "local", "root": str(store.root)}
    assert isinstance(store, S3ObjectStore)
    return {
        "kind": "s3",
        "bucket": store.bucket,
        "endpoint": store.client.meta.endpoint_url,
        "spool": str(store.spool_dir),
        "prefix": store.prefix,
    }


def _wait_for_partial(folder: Path, proc: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        partial = [p for p in folder.glob("*") if p.stat().st_size >= 1024 * 1024] if folder.is_dir() else []
        if partial:
            return partial[0]
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    raise AssertionError("the put never started writing")


def test_a_killed_put_leaves_a_leftover_that_the_sweep_removes(object_store: ObjectStore) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", PUT_THEN_HANG, json.dumps(_args(object_store))], stderr=subprocess.PIPE
    )
    try:
        partial = _wait_for_partial(_temp_dir(object_store), proc)
        # While its writer lives, a partial object is work in progress, whatever its age.
        assert object_store.leftovers(0, time.time() + 3600) == []
        assert object_store.sweep_leftovers(0, time.time() + 3600) == []
        assert partial.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # Dead writer: within the grace period it is still left alone, past it listed, then swept.
    assert object_store.leftovers(3600, time.time()) == []
    listed = object_store.leftovers(3600, time.time() + 7200)
    assert [x.location for x in listed] == [str(partial)] and listed[0].size >= 1024 * 1024
    assert partial.exists()  # listing removes nothing
    assert [x.location for x in object_store.sweep_leftovers(3600, time.time() + 7200)] == [str(partial)]
    assert not partial.exists()
    assert list(object_store.keys()) == []
    assert object_store.leftovers(0, time.time() + 7200) == []


def test_a_put_in_progress_in_this_process_is_not_swept(object_store: ObjectStore) -> None:
    release = threading.Event()

    class Slow(io.RawIOBase):
        sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            if self.sent >= 1024 * 1024:
                release.wait(30)
                return 0
            buf[: len(buf)] = b"q" * len(buf)
            self.sent += len(buf)
            return len(buf)

    done: list[object] = []
    writer = threading.Thread(target=lambda: done.append(object_store.put(Slow())))
    writer.start()
    folder = _temp_dir(object_store)
    deadline = time.monotonic() + 30
    while not (folder.is_dir() and any(folder.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert object_store.sweep_leftovers(0, time.time() + 3600) == []
    release.set()
    writer.join(30)
    assert done and object_store.exists(done[0].key)  # type: ignore[attr-defined]


@pytest.mark.parametrize("object_store", ["s3"], indirect=True)
def test_stale_multipart_uploads_are_listed_and_aborted(object_store: ObjectStore) -> None:
    assert isinstance(object_store, S3ObjectStore)
    key = object_store.prefix + "ab/cd/abandoned"
    upload = object_store.client.create_multipart_upload(Bucket=object_store.bucket, Key=key)
    # Its writer's liveness is unknowable, so a day passes before it counts as abandoned, whatever the grace.
    assert object_store.leftovers(0, time.time() + 7200) == []
    later = time.time() + 25 * 3600
    listed = object_store.leftovers(3600, later)
    assert [x.location for x in listed] == [f"s3://{object_store.bucket}/{key}"]
    object_store.sweep_leftovers(3600, later)
    remaining = object_store.client.list_multipart_uploads(Bucket=object_store.bucket, Prefix=object_store.prefix)
    assert upload["UploadId"] not in [u["UploadId"] for u in remaining.get("Uploads", [])]
