"""The reading page of an item's text, and its alternative formats (EPUB 3, spoken audio, braille).

The same rule as the file downloads decides who may read: `load_for_reader`
says whether the item's files are open to this reader, and a closed or
text-less item answers 404 everywhere here. Alternative formats are made on
the first request and served from the object store afterwards
(`reading.service.alternative`).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from repository.domain import FileRef, Item
from repository.errors import NotFound
from repository.reading import service as reading
from repository.reading.epub import BookInfo
from web.auth import wiring_of
from web.downloads import serve_file
from web.params import RowId
from web.templating import pick, render
from web.views.item_view import load_for_reader

router = APIRouter(include_in_schema=False)


def _texts(request: Request, item_id: str) -> tuple[Item, list[FileRef], bool]:
    item, _, today, files_open = load_for_reader(request, item_id)
    texts = reading.texts_of(item) if files_open else []
    if not texts:
        raise NotFound(f"item {item_id} has no text to read")
    return item, texts, item.is_public(today)


@router.get("/items/{item_id}/read")
def reading_page(request: Request, item_id: str) -> Response:
    item, texts, public = _texts(request, item_id)
    store = wiring_of(request).store
    names = {f.id: f.name for f in item.originals()}
    documents = [
        (text, names.get(text.source_file_id or 0, text.name), reading.read_document(store, text)) for text in texts
    ]
    context = {
        "item": item,
        "meta": item.metadata,
        "documents": documents,
        "formats": reading.available_formats(),
        "canonical": f"{wiring_of(request).settings.base_url.rstrip('/')}/items/{item.id}/read",
    }
    headers = {} if public else {"cache-control": "private, no-store", "x-robots-tag": "noindex"}
    return render(request, "reading.html", context, headers=headers)


@router.head("/items/{item_id}/read/{file_id}/{name}")
@router.get("/items/{item_id}/read/{file_id}/{name}")
def alternative_format(
    request: Request, item_id: str, file_id: RowId, name: Literal["epub", "audio", "braille"]
) -> Response:
    item, texts, public = _texts(request, item_id)
    text = next((f for f in texts if f.id == file_id), None)
    if text is None:
        raise NotFound(f"no text {file_id} in item {item_id}")
    wiring = wiring_of(request)
    ref = reading.alternative(
        wiring.uow(),
        wiring.store,
        item,
        text,
        name,
        _book_info(item, wiring.settings.base_url.rstrip("/")),
        seconds=wiring.settings.reading_time_limit_seconds,
    )
    return serve_file(request, wiring.store, ref, public=public)


def _book_info(item: Item, base: str) -> BookInfo:
    title = pick(item.metadata.get("titles"), item.metadata.get("language", "")) or {"value": item.title}
    return BookInfo(
        identifier=f"{base}/items/{item.id}",
        title=title["value"],
        lang=title.get("lang") or item.metadata.get("language") or "und",
        modified=item.datestamp,
        authors=tuple(c["name"] for c in item.metadata.get("creators", [])),
    )
