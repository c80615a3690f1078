"""Test data made through the services, so it is as valid as real data."""

from __future__ import annotations

import io
from typing import Any

from repository.domain import Actor, Item, Status, Visibility
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.services.workflow import publish_item
from tests.conftest import LIBRARIAN
from web.wiring import Wiring


def metadata(title: str = "A study of libraries", **extra: Any) -> dict[str, Any]:
    lang = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in title) else "en"
    return {"titles": [{"value": title, "lang": lang}], "type": "article", **extra}


def make_item(
    wiring: Wiring,
    collection: str,
    title: str = "A study of libraries",
    *,
    published: bool = True,
    visibility: Visibility = Visibility.PUBLIC,
    actor: Actor = LIBRARIAN,
    files: dict[str, bytes] | None = None,
    **extra: Any,
) -> Item:
    item = deposit_item(
        wiring.uow(), actor, collection, metadata(title, **extra), visibility=visibility, status=Status.DRAFT
    )
    for name, data in (files or {}).items():
        add_file(wiring.uow(), wiring.store, actor, item.id, io.BytesIO(data), name)
    if published:
        item = publish_item(wiring.uow(), actor, item.id)
    return item
