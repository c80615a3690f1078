"""The object store port: immutable, content-addressed bytes.

An object's key derives from its sha256, so identical content is stored once
and a key never changes meaning. `put` hashes while it streams and publishes
the object only when it is complete: a reader sees all of it or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from repository.errors import TooLarge
from repository.objects.temp import Leftover

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    md5: str


class ObjectStore(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        """Store the stream's bytes; raises TooLarge past `max_bytes` (nothing is kept)."""
        ...

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        """Read bytes [start, end) of an object; raises NotFound when it is missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """The object as a file on this machine, to be read in place and never written; None when the
        store keeps its bytes elsewhere (S3) or the object is missing. Callers then `open` it."""
        ...

    def size(self, key: str) -> int:
        """The stored size in bytes; raises NotFound when missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object (absent is fine); only for unreferenced objects."""
        ...

    def keys(self) -> Iterator[str]:
        """Every stored key, for fixity checks and garbage collection."""
        ...

    def leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        """Partial temporary objects of puts that died (no live writer, older than the grace)."""
        ...

    def sweep_leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        """Remove what `leftovers` lists; return it."""
        ...


def key_for(sha256: str) -> str:
    """Fan objects out by their first two byte pairs: ab/cd/abcd…"""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class HashingReader:
    """Reads a stream in chunks, hashing and counting as it goes, refusing past a limit.

    MD5 runs on a helper thread beside SHA-256 (hashlib releases the GIL on
    large buffers); at most one chunk is in flight there, so memory stays flat.
    """

    def __init__(self, stream: BinaryIO, max_bytes: int | None) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        with ThreadPoolExecutor(1, thread_name_prefix="md5") as md5_thread:
            pending: Future[None] | None = None
            while chunk := self.stream.read(size):
                self.size += len(chunk)
                if self.max_bytes is not None and self.size > self.max_bytes:
                    raise TooLarge(f"the file is larger than the limit of {self.max_bytes} bytes")
                if pending is not None:
                    pending.result()
                pending = md5_thread.submit(self.md5.update, chunk)
                self.sha256.update(chunk)
                yield chunk
            if pending is not None:
                pending.result()

    def result(self) -> StoredObject:
        digest = self.sha256.hexdigest()
        return StoredObject(key=key_for(digest), size=self.size, sha256=digest, md5=self.md5.hexdigest())
