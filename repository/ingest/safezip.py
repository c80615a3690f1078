"""Opening untrusted zip containers (EPUB, OOXML, ODF, SCORM, IMS CC) without being hurt by them.

The whole central directory is checked before any entry is read: too many
entries, a declared total size or compression ratio that gives a zip bomb
away, an absolute or `../` path (zip slip) or a symlink entry refuses the
file. Nothing is ever extracted to disk; entries are read into memory with a
cap, and zipfile itself stops at an entry's declared size.
"""

from __future__ import annotations

import stat
import zipfile
from typing import BinaryIO

from repository.errors import UnsupportedFormat

MAX_ENTRIES = 20_000
MIN_TOTAL_LIMIT = 1024**3  # any archive may expand to 1 GiB ...
MAX_TOTAL_RATIO = 20  # ... and a larger one to 20 times its size on disk
MAX_ENTRY_RATIO = 200  # deflate reaches about 1000:1 on zeros; real content stays far below 200:1
RATIO_CHECKED_ABOVE = 10 * 1024**2  # small entries (XML) may compress very well without harm
MAX_READ = 64 * 1024**2  # no text-bearing entry we read needs more


class SafeZip:
    def __init__(self, stream: BinaryIO, archive_size: int) -> None:
        """Open and vet an archive; raises UnsupportedFormat saying why it is refused."""
        try:
            self.zip = zipfile.ZipFile(stream)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise UnsupportedFormat(f"the zip archive is damaged and cannot be opened ({exc})") from exc
        if len(infos) > MAX_ENTRIES:
            raise UnsupportedFormat(f"refused: the archive has {len(infos)} entries (limit {MAX_ENTRIES})")
        total = 0
        for info in infos:
            _check_name(info)
            total += info.file_size
            if info.file_size > RATIO_CHECKED_ABOVE and info.file_size > MAX_ENTRY_RATIO * max(info.compress_size, 1):
                raise UnsupportedFormat(
                    f"refused as a zip bomb: {info.filename!r} would expand "
                    f"from {info.compress_size} to {info.file_size} bytes"
                )
        limit = max(MIN_TOTAL_LIMIT, MAX_TOTAL_RATIO * archive_size)
        if total > limit:
            raise UnsupportedFormat(f"refused as a zip bomb: it would expand to {total} bytes (limit {limit})")
        self.infos = {info.filename: info for info in infos if not info.is_dir()}
        self._folded = {name.lower(): name for name in self.infos}

    def names(self) -> list[str]:
        return list(self.infos)

    def find(self, name: str) -> str | None:
        """The stored name matching `name`, case-insensitively (packages built on Windows disagree on case)."""
        name = name.lstrip("/")
        return name if name in self.infos else self._folded.get(name.lower())

    def read(self, name: str, limit: int = MAX_READ) -> bytes:
        """An entry's bytes; raises UnsupportedFormat if it is missing, larger than `limit` or corrupt."""
        stored = self.find(name)
        if stored is None:
            raise UnsupportedFormat(f"the archive has no entry {name!r}")
        info = self.infos[stored]
        if info.file_size > limit:
            raise UnsupportedFormat(f"the entry {name!r} is larger than {limit} bytes")
        try:
            with self.zip.open(info) as fh:
                return fh.read()  # zipfile stops at the declared size, checked against `limit` above
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise UnsupportedFormat(f"the entry {name!r} cannot be read ({exc})") from exc

    def close(self) -> None:
        self.zip.close()


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsupportedFormat(f"refused: the archive has an absolute path entry {name!r}")
    if ".." in parts:
        raise UnsupportedFormat(f"refused: the archive has an entry outside its folder {name!r} (path traversal)")
    if "\x00" in name:
        raise UnsupportedFormat("refused: the archive has an entry name with a NUL character")
    if stat.S_ISLNK(info.external_attr >> 16):  # the Unix mode sits in the high 16 bits
        raise UnsupportedFormat(f"refused: the archive has a symbolic link entry {name!r}")
