"""A request body as a blocking file object, so sync services can stream it without buffering.

`add_file` runs in a worker thread and reads with `.read(n)`; each read
pulls the next chunk from the ASGI receive channel on the event loop
(`anyio.from_thread.run`), so memory stays at one chunk however large the
upload, and a slow store slows the client down instead of filling memory.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import anyio.from_thread
from fastapi import Request


class BodyReader(io.RawIOBase):
    def __init__(self, request: Request) -> None:
        self._chunks: AsyncIterator[bytes] = request.stream().__aiter__()
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        return True

    async def _next(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return b""

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            chunk = anyio.from_thread.run(self._next)
            if not chunk:
                self._done = True
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
