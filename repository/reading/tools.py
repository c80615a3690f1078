"""The system programs behind spoken audio and braille, run under a time limit.

espeak-ng speaks, ffmpeg encodes for the web, lou_translate (liblouis) writes
braille. A machine without one of them offers the format as unavailable,
with the package to install, rather than failing on a request.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from repository.errors import FormatUnavailable, Message

PACKAGES = {"espeak-ng": "espeak-ng", "ffmpeg": "ffmpeg", "lou_translate": "liblouis-bin"}
LOUIS_TABLES = Path("/usr/share/liblouis/tables")


def missing(*programs: str) -> list[str]:
    return [p for p in programs if shutil.which(p) is None]


def require(*programs: str) -> None:
    """Raises FormatUnavailable naming the Debian packages to install when a program is not on the PATH."""
    if lacking := missing(*programs):
        packages = ", ".join(PACKAGES.get(p, p) for p in lacking)
        raise FormatUnavailable(
            Message("This format is not available on this server: it needs %(packages)s.", packages=packages)
        )


def run(command: Sequence[str], *, stdin: bytes = b"", seconds: float) -> bytes:
    """The program's standard output; FormatUnavailable when it fails or runs past `seconds`."""
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise FormatUnavailable(
            Message("Making this format took longer than %(seconds)s seconds.", seconds=int(seconds))
        ) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(done.returncode)]
        raise FormatUnavailable(Message("Making this format failed: %(reason)s", reason=reason[0][:200]))
    return done.stdout
