"""An item's readable documents, and their alternative formats cached as derivatives.

`alternative` makes an EPUB, spoken audio or braille edition of one text
derivative on its first request and stores it as a derivative of the same
original, tagged with the text's sha256; later requests get that file back
without making it again, and a re-extracted text gets a fresh edition. The
caller checks that the reader may open the item's files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath

from repository.db import records
from repository.db.uow import UnitOfWork
from repository.domain import FileRef, FileRole, Item, utcnow
from repository.objects.ports import ObjectStore
from repository.reading import braille, epub, speech, tools
from repository.reading.blocks import Document, read_text
from repository.reading.epub import BookInfo
from repository.services.files import put_derivative
from repository.services.versioning import Clock


@dataclass(frozen=True)
class Format:
    role: FileRole
    suffix: str
    mime: str
    programs: tuple[str, ...] = ()


FORMATS = {
    "epub": Format(FileRole.EPUB, ".epub", epub.MIME),
    "audio": Format(FileRole.SPEECH, ".ogg", speech.MIME, speech.PROGRAMS),
    "braille": Format(FileRole.BRAILLE, ".brf", braille.MIME, braille.PROGRAMS),
}


def available_formats() -> list[str]:
    """The alternative formats this machine can make (audio and braille need their programs)."""
    return [name for name, f in FORMATS.items() if not tools.missing(*f.programs)]


def texts_of(item: Item) -> list[FileRef]:
    """The item's text derivatives, in the order of their originals."""
    order = [f.id for f in item.originals()]
    texts = [f for f in item.files if f.role is FileRole.TEXT and f.source_file_id in order]
    return sorted(texts, key=lambda f: order.index(f.source_file_id or 0))


def read_document(store: ObjectStore, text: FileRef) -> Document:
    with store.open(text.key) as fh:
        body = fh.read().decode("utf-8", "replace")
    return read_text(body, text.details.get("page_starts"), text.language)


def alternative(
    uow: UnitOfWork,
    store: ObjectStore,
    item: Item,
    text: FileRef,
    name: str,
    info: BookInfo,
    *,
    seconds: float,
    clock: Clock = utcnow,
) -> FileRef:
    """The `name` ("epub", "audio", "braille") edition of `text`, made and stored unless it already is.

    Raises FormatUnavailable when this server lacks the tools or they fail; StoreUnavailable.
    """
    wanted = FORMATS[name]
    if found := _cached(item, text, wanted):
        return found
    data = _make(name, read_document(store, text), info, seconds)
    stored = store.put(io.BytesIO(data))
    with uow:
        fresh = records.load_item(uow.conn, item.id, for_update=True)
        if found := _cached(fresh, text, wanted):  # another request made it meanwhile
            return found
        made = put_derivative(
            uow.conn, fresh, text.source_file_id or 0, wanted.role, stored,
            name=PurePath(text.name).stem + wanted.suffix, mime=wanted.mime,
            details={"text_sha256": text.sha256}, now=clock(), language=text.language,
        )  # fmt: skip
        assert made is not None  # `stored` is given
        return made


def _cached(item: Item, text: FileRef, wanted: Format) -> FileRef | None:
    return next(
        (
            f
            for f in item.files
            if f.role is wanted.role
            and f.source_file_id == text.source_file_id
            and f.details.get("text_sha256") == text.sha256
        ),
        None,
    )


def _make(name: str, document: Document, info: BookInfo, seconds: float) -> bytes:
    voice = _voice(info.lang)
    if name == "epub":
        return epub.to_epub(document, info)
    if name == "audio":
        return speech.to_audio(document, fallback=voice, seconds=seconds)
    return braille.to_braille(document, fallback=voice, seconds=seconds).encode("ascii", "replace")


def _voice(lang: str) -> str:
    return "ar" if lang == "ar" else "en"
