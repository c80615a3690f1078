"""LocalObjectStore: a content-addressed directory, the embedded default."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from repository.errors import NotFound, StoreUnavailable
from repository.objects import temp
from repository.objects.ports import HashingReader, StoredObject
from repository.objects.ranged import RangeReader
from repository.objects.temp import Leftover

TEMP_PREFIX = "put-"


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def _path(self, key: str) -> Path:
        if ".." in key or key.startswith("/"):
            raise NotFound(f"no object {key!r}")
        return self.root / key

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        try:
            self.tmp.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix=TEMP_PREFIX)
            temp.hold(fd)  # a sweep leaves it alone while this process lives
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to the object directory: {exc}") from exc
        try:
            reader = HashingReader(stream, max_bytes)
            with os.fdopen(fd, "wb") as out:
                for chunk in reader.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            stored = reader.result()
            final = self._path(stored.key)
            if final.exists():  # identical content is stored once
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, final)  # atomic: the object appears whole or not at all
                _fsync_dir(final.parent)
            return stored
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def open(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        try:
            fh = open(self._path(key), "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise NotFound(f"object {key} is missing from the store") from exc
        if start == 0 and end is None:
            return fh
        fh.seek(start)
        return cast(BinaryIO, RangeReader(fh, None if end is None else end - start))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)  # each object is kept whole at root/key
        return path if path.is_file() else None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise NotFound(f"object {key} is missing from the store") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        return temp.leftovers(self.tmp, [TEMP_PREFIX], grace_seconds, now)

    def sweep_leftovers(self, grace_seconds: float, now: float) -> list[Leftover]:
        return temp.sweep(self.tmp, [TEMP_PREFIX], grace_seconds, now)

    def keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file():
                yield path.relative_to(self.root).as_posix()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
