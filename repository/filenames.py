"""Original filenames: any Unicode script is kept, anything dangerous is refused.

A filename is shown to readers and sent back in Content-Disposition, so it
must not smuggle a path, a control character or a bidi override (which can
make `exe.pdf` display as `fdp.exe`).
"""

from __future__ import annotations

import unicodedata

from repository.errors import InvalidInput

BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
MAX_LENGTH = 255


def check_filename(name: str) -> str:
    """Return the NFC-normalised name, or raise InvalidInput saying what is wrong with it."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise InvalidInput("the filename is empty")
    if "/" in name or "\\" in name:
        raise InvalidInput(f"the filename {name!r} contains a path separator")
    if name in (".", ".."):
        raise InvalidInput("the filename cannot be '.' or '..'")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput("the filename contains control characters")
    if any(ch in BIDI_CONTROLS for ch in name):
        raise InvalidInput("the filename contains bidirectional override characters")
    if len(name.encode("utf-8")) > MAX_LENGTH:
        raise InvalidInput(f"the filename is longer than {MAX_LENGTH} bytes")
    return name
