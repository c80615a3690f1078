"""The extractor port: bytes in; text, suggested metadata, pages, language and previews out.

An extractor reads one file and returns an `Extraction`. It never touches the
database or the object store — `services.ingest.apply_extraction` does that —
so the same extractors serve the workers and `mawrid extract`, and can run in
a child process under time and memory limits. Extractors raise
`UnsupportedFormat` for a file they refuse (hostile, empty, unreadable
container); a damaged file they can still describe comes back with `warnings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from repository.domain import Metadata


@dataclass(frozen=True)
class Detection:
    """What a file is, judged from its bytes: libmagic's MIME type and the container kind inside."""

    mime: str
    kind: str  # pdf epub docx pptx xlsx odt odp html text markdown captions scorm12 scorm2004 imscc zip video ...
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preview:
    """A small image derived from the file (a PDF's first page, an EPUB's cover)."""

    data: bytes
    mime: str  # image/jpeg or image/png


@dataclass
class Extraction:
    mime: str
    kind: str
    # Suggested item metadata under the item model's field names (schemas/item-metadata.schema.json).
    metadata: Metadata = field(default_factory=dict)
    text: str = ""
    page_starts: list[int] = field(default_factory=list)  # offset in `text` where each page starts
    page_count: int | None = None
    language: str | None = None  # "ar", "en", "und" (other), or None when there is too little text
    # Per-file facts kept on the original's row: a course outline, media duration, image size, flags.
    details: dict[str, Any] = field(default_factory=dict)
    thumbnail: Preview | None = None
    searchable_pdf: bytes | None = None  # a scanned PDF with its OCR'd text laid over the pages
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The shape `mawrid extract --json` prints (documented in the README)."""
        return {
            "mime": self.mime,
            "kind": self.kind,
            "metadata": self.metadata,
            "language": self.language,
            "page_count": self.page_count,
            "text": self.text,
            "page_starts": self.page_starts,
            "details": self.details,
            "thumbnail": None
            if self.thumbnail is None
            else {"mime": self.thumbnail.mime, "bytes": len(self.thumbnail.data)},
            "searchable_pdf": None if self.searchable_pdf is None else {"bytes": len(self.searchable_pdf)},
            "warnings": self.warnings,
        }


def source_path(stream: BinaryIO) -> str | None:
    """The path of a stream opened on a real file: C libraries (PDFium, MediaInfo) read those much faster."""
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and os.path.isfile(name) else None


class Extractor(Protocol):
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        """Read a seekable stream of a file of `detection.kind`; raises UnsupportedFormat to refuse it."""
        ...
