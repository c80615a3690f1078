"""The schema.org accessibility properties of an item (schema.org/accessibilityFeature and friends).

They describe what a reader actually gets: a reading page and EPUB only when
the item has extracted text open to them, audio and braille only when this
server can make them (`formats`). Values are the W3C/schema.org vocabulary.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from repository.domain import FileRef, FileRole, Item

SUMMARIES = {
    "text": "Text with headings, page anchors and per-paragraph language, readable in any font size and contrast",
    "epub": "an EPUB 3 edition",
    "audio": "synthesised speech",
    "braille": "Braille Ready Format",
}


def accessibility(item: Item, files: list[FileRef], formats: Collection[str]) -> dict[str, Any]:
    """schema.org properties for `item`: `files` are the originals open to this reader; `formats` the
    alternatives this server can make ("epub", "audio", "braille")."""
    open_ids = {f.id for f in files}
    has_text = any(f.role is FileRole.TEXT and f.source_file_id in open_ids for f in item.files)
    modes = set()
    if has_text:
        modes.add("textual")
    for f in files:
        kind = f.mime.split("/")[0]
        if kind in ("image", "video") or f.mime == "application/pdf":
            modes.add("visual")
        if kind in ("audio", "video"):
            modes.add("auditory")
    if not modes:
        return {}
    data: dict[str, Any] = {"accessMode": sorted(modes), "accessibilityHazard": "none"}
    sufficient = [sorted(modes)]  # everything together suffices; the text alone does too
    if has_text and modes != {"textual"}:
        sufficient.insert(0, ["textual"])
    data["accessModeSufficient"] = [
        {"@type": "ItemList", "itemListElement": modes_, "description": " and ".join(modes_)} for modes_ in sufficient
    ]
    features = []
    if has_text:
        features = ["structuralNavigation", "readingOrder", "displayTransformability", "tableOfContents"]
        if any(f.role is FileRole.TEXT and f.details.get("page_starts") for f in item.files):
            features.append("pageNavigation")
        offered = [x for x in ("epub", "audio", "braille") if x in formats]
        if "audio" in offered:
            features.append("synthesizedSpeech")
        if "braille" in offered:
            features.append("braille")
        summary = [SUMMARIES[x] for x in offered]
        data["accessibilitySummary"] = SUMMARIES["text"] + (f"; also as {', '.join(summary)}." if summary else ".")
    if any(f.role is FileRole.CAPTION for f in item.files) and "auditory" in modes:
        features.append("captions")
    if features:
        data["accessibilityFeature"] = features
    return data
