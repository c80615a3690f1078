"""What a reader's view of one item needs: the item if they may see it, its files as the page shows them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from fastapi import Request

from repository.db.uow import reading
from repository.domain import Actor, FileRef, FileRole, Item, utcnow
from web import catalog
from web.auth import current_actor, wiring_of

CAPTION_LANG = re.compile(r"[._-]([a-z]{2,3})\.(vtt|srt)$", re.I)


@dataclass
class FileView:
    ref: FileRef
    url: str
    kind: str  # pdf, video, audio, image, other
    captions: list[tuple[FileRef, str, str]] = field(default_factory=list)  # (file, url, language)


def _kind(mime: str) -> str:
    if mime == "application/pdf":
        return "pdf"
    for kind in ("video", "audio", "image"):
        if mime.startswith(kind + "/") and mime != "image/svg+xml":
            return kind
    return "other"


def _caption_language(ref: FileRef, item: Item) -> str:
    if ref.language:
        return ref.language
    match = CAPTION_LANG.search(ref.name)
    return match.group(1).lower() if match else item.metadata.get("language", "und")


def load_for_reader(request: Request, item_id: str) -> tuple[Item, Actor, date, bool]:
    """The item, who asks, today, and whether its files are open to them; NotFound when hidden."""
    actor, today = current_actor(request), utcnow().date()
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        item = catalog.readable_item(conn, item_id, actor, today, wiring.settings)
    return item, actor, today, actor.is_staff or item.is_public(today)


def file_views(item: Item) -> list[FileView]:
    captions = [f for f in item.files if f.role is FileRole.CAPTION]
    views = []
    for ref in item.originals():
        view = FileView(ref, ref.path, _kind(ref.mime))
        if view.kind in ("video", "audio"):
            mine = [c for c in captions if c.source_file_id in (None, ref.id)]
            view.captions = [(c, c.path, _caption_language(c, item)) for c in mine]
        views.append(view)
    return views


def thumbnail_of(item: Item) -> FileRef | None:
    thumbs = [f for f in item.files if f.role is FileRole.THUMBNAIL]
    originals = [f.id for f in item.originals()]
    thumbs.sort(key=lambda f: originals.index(f.source_file_id) if f.source_file_id in originals else len(originals))
    return thumbs[0] if thumbs else None
