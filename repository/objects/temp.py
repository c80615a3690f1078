"""Temporary files of writers at work, and sweeping the ones a crash left behind.

A writer — an object store's `put`, a tus PATCH, a workspace import — holds
an exclusive `flock` on its temporary file or folder for as long as it works
on it. The kernel drops the lock when the process dies, even on SIGKILL, so a
sweep tells a crash's leftovers from work in progress in any process of the
machine: it removes only entries that nobody holds and that are older than a
grace period (the grace also covers a data directory shared over a network
file system, where another machine's locks may not be seen).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Leftover:
    """A temporary entry nobody is writing: what a crash left behind."""

    location: str  # a local path, or an s3:// URL
    size: int
    age_seconds: float


def hold(fd: int) -> None:
    """Mark the open file or folder `fd` as in use by this process until it is closed."""
    fcntl.flock(fd, fcntl.LOCK_EX)


def try_hold(path: Path, *, writable: bool = False) -> int | None:
    """An open descriptor of `path` holding its lock, or None when another process (or another
    descriptor of this one) holds it, or the entry is gone. Close the descriptor to release the lock."""
    try:
        fd = os.open(path, os.O_RDWR if writable else os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_unless_held(path: Path) -> bool:
    """Remove the file or folder `path` if no one holds it; True if it was removed."""
    fd = try_hold(path)
    if fd is None:
        return False
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)
    return True


def leftovers(directory: Path | None, prefixes: Iterable[str], grace_seconds: float, now: float) -> list[Leftover]:
    """Entries of `directory` whose names start with one of `prefixes`, older than the grace and
    held by no one. Nothing is removed."""
    return _scan(directory, tuple(prefixes), grace_seconds, now, remove=False)


def sweep(directory: Path | None, prefixes: Iterable[str], grace_seconds: float, now: float) -> list[Leftover]:
    """Remove the leftovers `leftovers` would list, and return them."""
    return _scan(directory, tuple(prefixes), grace_seconds, now, remove=True)


def _scan(directory: Path | None, prefixes: tuple[str, ...], grace: float, now: float, remove: bool) -> list[Leftover]:
    if directory is None or not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.iterdir()):
        if not path.name.startswith(prefixes):
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # its writer finished meanwhile
        if now - info.st_mtime < grace:
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        size = _size(path) if is_dir else info.st_size
        if remove:
            if not remove_unless_held(path):
                continue  # a live writer holds it
        else:
            fd = try_hold(path)
            if fd is None:
                continue
            os.close(fd)
        found.append(Leftover(str(path), size, now - info.st_mtime))
    return found


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
