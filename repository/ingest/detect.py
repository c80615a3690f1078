"""File type detection from the bytes with libmagic: never the client's claim or the extension."""

from __future__ import annotations

import magic

SNIFF_BYTES = 2 * 1024 * 1024  # enough for libmagic to see inside a zip's first entries


def sniff_mime(head: bytes) -> str:
    """The MIME type libmagic gives for a file's first bytes."""
    if not head:
        return "application/x-empty"
    return str(magic.from_buffer(head, mime=True))
