"""A file-like view limited to a byte count, for Range reads."""

from __future__ import annotations

import io
from typing import BinaryIO


class RangeReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, length: int | None) -> None:
        self.inner = inner
        self.remaining = length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.remaining is not None:
            size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.inner.read(size)
        if self.remaining is not None:
            self.remaining -= len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()
