"""Detection, then the extractor for the detected kind: what one ingest job computes for one file.

`extract_file` is the whole pure part of a job — no database, no object
store — so workers run it in a sandboxed child process and `mawrid extract`
runs exactly the same code. Suggested metadata is checked field by field
against the item schema here: a value the schema would refuse is dropped
with a warning instead of failing the whole file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

from repository.errors import InvalidMetadata, MawridError
from repository.ingest.course_packages import CourseExtractor
from repository.ingest.detect import LABELS, detect
from repository.ingest.epub import EpubExtractor
from repository.ingest.images import ImageExtractor
from repository.ingest.language import detect_language, lang_for
from repository.ingest.media import MediaExtractor
from repository.ingest.office import OfficeExtractor
from repository.ingest.pdf import PdfExtractor
from repository.ingest.ports import Extraction, Extractor
from repository.ingest.text import (
    CaptionsExtractor,
    HtmlExtractor,
    MarkdownExtractor,
    PlainTextExtractor,
    captions_text,
    decode,
    parse_captions,
    read_limited,
)
from repository.metadata import validate_metadata

_office, _course, _media = OfficeExtractor(), CourseExtractor(), MediaExtractor()
EXTRACTORS: dict[str, Extractor] = {
    "pdf": PdfExtractor(),
    "epub": EpubExtractor(),
    "docx": _office, "pptx": _office, "xlsx": _office, "odt": _office, "odp": _office,
    "html": HtmlExtractor(),
    "text": PlainTextExtractor(),
    "markdown": MarkdownExtractor(),
    "captions": CaptionsExtractor(),
    "scorm12": _course, "scorm2004": _course, "imscc": _course, "imscp": _course,
    "video": _media, "audio": _media,
    "image": ImageExtractor(),
}  # fmt: skip
_PLACEHOLDER = {"titles": [{"value": "-"}], "type": "other"}


def extract_file(stream: BinaryIO, name: str, captions: Sequence[tuple[str, BinaryIO]] = ()) -> Extraction:
    """Detect and extract one file; `captions` are (name, stream) of caption files that belong to a recording.

    Raises UnsupportedFormat (or TooLarge) for a file that is refused.
    """
    detection = detect(stream, name)
    extractor = EXTRACTORS.get(detection.kind)
    if extractor is None:
        result = Extraction(mime=detection.mime, kind=detection.kind)
        result.warnings.append(f"no extractor for {LABELS[detection.kind]} ({detection.mime}): kept without text")
    else:
        result = extractor.extract(stream, detection)
    result.warnings[:0] = detection.warnings
    if result.kind in ("video", "audio") and captions:
        _add_captions(result, captions)
    _settle_language(result)
    result.metadata = checked_metadata(result.metadata, result.warnings)
    return result


def _settle_language(result: Extraction) -> None:
    """The text's language (unless the extractor knew better), suggested for the item and its titles."""
    if result.language is None:
        result.language = detect_language(result.text)
    md = result.metadata
    if result.language in ("ar", "en"):
        md.setdefault("language", result.language)
    for title in md.get("titles", []):
        if "lang" not in title:
            title.update(lang_for(title["value"], md.get("language")))


def _add_captions(result: Extraction, captions: Sequence[tuple[str, BinaryIO]]) -> None:
    texts = []
    for name, stream in captions:
        try:
            texts.append(captions_text(parse_captions(decode(read_limited(stream))[0]).cues))
        except MawridError as exc:
            result.warnings.append(f"captions {name} skipped: {exc.message}")
    result.text = "\n\n".join(t for t in texts if t)
    result.details["captions"] = [name for name, _ in captions]


def checked_metadata(metadata: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """The fields that pass the item schema on their own; each dropped one is noted."""
    kept = {}
    for field, value in metadata.items():
        candidate = {**_PLACEHOLDER, field: value}
        try:
            validate_metadata(candidate)
        except InvalidMetadata as exc:
            notes.append(f"extracted {field} ignored: {exc.message}")
            continue
        kept[field] = value
    return kept
