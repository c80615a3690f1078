"""A seekable, read-only view of a stored object, built on ranged reads.

Zip archives (course packages) need random access, which an S3 body does
not give; this reads just the byte ranges asked for, through any ObjectStore.
Wrap it in `io.BufferedReader` so the many small reads of a zip reader become
a few ranged requests.
"""

from __future__ import annotations

import io

from repository.objects.ports import ObjectStore


class SeekableObject(io.RawIOBase):
    def __init__(self, store: ObjectStore, key: str) -> None:
        self.store = store
        self.key = key
        self.length = store.size(key)
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        end = min(self.position + len(buffer), self.length)
        if end <= self.position:
            return 0
        with self.store.open(self.key, self.position, end) as fh:
            data = fh.read()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def open_seekable(store: ObjectStore, key: str, buffer_size: int = 256 * 1024) -> io.BufferedReader:
    return io.BufferedReader(SeekableObject(store, key), buffer_size)
