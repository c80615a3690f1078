"""One behaviour suite for the ObjectStore port, run against the local directory and a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from repository.errors import NotFound, TooLarge
from repository.objects.ports import ObjectStore, key_for


class Endless(io.RawIOBase):
    """A stream of `size` pseudo-random bytes that never exists in memory at once."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buf), self.left, len(self.block))
        buf[:n] = self.block[:n]
        self.left -= n
        return n


def test_put_returns_digests_and_key_from_content(object_store: ObjectStore) -> None:
    data = "مورد — a repository".encode()
    stored = object_store.put(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.md5 == hashlib.md5(data).hexdigest()
    assert stored.size == len(data)
    assert stored.key == key_for(stored.sha256) == f"{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}"
    with object_store.open(stored.key) as fh:
        assert fh.read() == data


def test_same_bytes_are_stored_once(object_store: ObjectStore) -> None:
    a = object_store.put(io.BytesIO(b"same"))
    b = object_store.put(io.BytesIO(b"same"))
    assert a == b
    assert list(object_store.keys()) == [a.key]


@pytest.mark.parametrize(
    ("start", "end", "expected"), [(0, 4, b"0123"), (5, None, b"56789"), (9, 10, b"9"), (3, 3, b"")]
)
def test_range_reads(object_store: ObjectStore, start: int, end: int | None, expected: bytes) -> None:
    stored = object_store.put(io.BytesIO(b"0123456789"))
    with object_store.open(stored.key, start, end) as fh:
        assert fh.read() == expected


def test_missing_object_is_not_found(object_store: ObjectStore) -> None:
    key = key_for("0" * 64)
    assert not object_store.exists(key)
    with pytest.raises(NotFound):
        object_store.open(key)
    with pytest.raises(NotFound):
        object_store.size(key)


def test_over_the_limit_keeps_nothing(object_store: ObjectStore) -> None:
    with pytest.raises(TooLarge):
        object_store.put(io.BytesIO(b"x" * 10_000), max_bytes=9_999)
    assert list(object_store.keys()) == []


def test_exists_size_delete(object_store: ObjectStore) -> None:
    stored = object_store.put(io.BytesIO(b"abc"))
    assert object_store.exists(stored.key) and object_store.size(stored.key) == 3
    object_store.delete(stored.key)
    assert not object_store.exists(stored.key)
    object_store.delete(stored.key)  # absent is fine


def test_large_stream_goes_through_in_parts(object_store: ObjectStore) -> None:
    size = 40 * 1024 * 1024 + 123  # beyond S3's multipart threshold
    stored = object_store.put(Endless(size))
    assert stored.size == size == object_store.size(stored.key)
    with object_store.open(stored.key, size - 10) as fh:
        assert len(fh.read()) == 10


def test_interrupted_put_leaves_no_object(object_store: ObjectStore) -> None:
    class Broken(io.RawIOBase):
        sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            if self.sent > 3 * 1024 * 1024:
                raise ConnectionResetError("client went away")
            buf[: len(buf)] = b"y" * len(buf)
            self.sent += len(buf)
            return len(buf)

    with pytest.raises(ConnectionResetError):
        object_store.put(Broken())
    assert list(object_store.keys()) == []


def test_seekable_view_reads_a_zip_through_ranges(object_store: ObjectStore) -> None:
    import zipfile

    from repository.objects.seekable import open_seekable

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<h1>درس</h1>")
        archive.writestr("big.bin", os.urandom(300_000))
    stored = object_store.put(io.BytesIO(buffer.getvalue()))
    with open_seekable(object_store, stored.key) as fh, zipfile.ZipFile(fh) as archive:
        assert archive.read("index.html").decode() == "<h1>درس</h1>"
        assert len(archive.read("big.bin")) == 300_000


def test_local_path_when_offered_holds_the_stored_bytes(object_store: ObjectStore) -> None:
    data = b"read me in place"
    stored = object_store.put(io.BytesIO(data))
    path = object_store.local_path(stored.key)
    if path is not None:  # a store on this machine offers its file; one elsewhere (S3) offers none
        assert path.read_bytes() == data
        assert path.stat().st_size == object_store.size(stored.key)
    assert object_store.local_path(key_for("0" * 64)) is None  # missing: nothing to read in place
