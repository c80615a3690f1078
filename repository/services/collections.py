"""Communities (faculties) and their collections: create, rename, describe, move, delete.

Only administrators change the structure. A collection's set in OAI-PMH is
`community:collection`, so moving a collection to another community is a
change to every item in it: each gets a version, a new datestamp (harvesters
re-read its header) and a mark for the search index (the faculty facet).
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, insert, select, update

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, Collection, Community, Role, utcnow
from repository.errors import Conflict, Forbidden, InvalidInput, Message
from repository.metadata import NOT_XML
from repository.services.versioning import Clock, record_change, snapshot

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("only administrators may change communities and collections")


def _check(actor: Actor, slug: str, *texts: str) -> None:
    _require_admin(actor)
    if not SLUG.match(slug):
        raise InvalidInput(f"{slug!r} is not a valid identifier: use a-z, 0-9 and '-'")
    _printable(*texts)


def _printable(*texts: str) -> None:
    if any(NOT_XML.search(text) for text in texts):  # names become OAI-PMH setNames
        raise InvalidInput(Message("names and descriptions cannot contain control characters"))


def _names(name_en: str, name_ar: str) -> tuple[str, str]:
    name_en, name_ar = name_en.strip(), name_ar.strip()
    if not name_en or not name_ar:
        raise InvalidInput(Message("give both the English and the Arabic name"))
    _printable(name_en, name_ar)
    return name_en, name_ar


def create_community(
    uow: UnitOfWork,
    actor: Actor,
    slug: str,
    name_en: str,
    name_ar: str,
    description: str = "",
    description_ar: str = "",
) -> Community:
    _check(actor, slug, name_en, name_ar, description, description_ar)
    with uow:
        if uow.conn.execute(select(t.communities.c.id).where(t.communities.c.id == slug)).first():
            raise Conflict(f"community {slug!r} already exists")
        position = uow.conn.execute(select(func.count()).select_from(t.communities)).scalar_one()
        uow.conn.execute(
            insert(t.communities).values(
                id=slug,
                name_en=name_en,
                name_ar=name_ar,
                description=description,
                description_ar=description_ar,
                position=position,
            )
        )
    return Community(slug, name_en, name_ar, description, description_ar)


def create_collection(
    uow: UnitOfWork,
    actor: Actor,
    community_id: str,
    slug: str,
    name_en: str,
    name_ar: str,
    description: str = "",
    description_ar: str = "",
) -> Collection:
    _check(actor, slug, name_en, name_ar, description, description_ar)
    with uow:
        records.load_community(uow.conn, community_id)
        if uow.conn.execute(select(t.collections.c.id).where(t.collections.c.id == slug)).first():
            raise Conflict(f"collection {slug!r} already exists")
        uow.conn.execute(
            insert(t.collections).values(
                id=slug,
                community_id=community_id,
                name_en=name_en,
                name_ar=name_ar,
                description=description,
                description_ar=description_ar,
            )
        )
    return Collection(slug, community_id, name_en, name_ar, description, description_ar)


def update_community(
    uow: UnitOfWork,
    actor: Actor,
    community_id: str,
    *,
    name_en: str,
    name_ar: str,
    description: str = "",
    description_ar: str = "",
) -> Community:
    """Rename a community and rewrite its descriptions; raises NotFound, InvalidInput or Forbidden."""
    _require_admin(actor)
    name_en, name_ar = _names(name_en, name_ar)
    _printable(description, description_ar)
    with uow:
        records.load_community(uow.conn, community_id)
        uow.conn.execute(
            update(t.communities)
            .where(t.communities.c.id == community_id)
            .values(
                name_en=name_en, name_ar=name_ar, description=description.strip(), description_ar=description_ar.strip()
            )
        )
        return records.load_community(uow.conn, community_id)


def update_collection(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    *,
    name_en: str,
    name_ar: str,
    description: str = "",
    description_ar: str = "",
    community_id: str | None = None,
    clock: Clock = utcnow,
) -> Collection:
    """Rename, describe and perhaps move a collection to another community, in one transaction.

    Moving records a change on each of its items (see the module comment).
    Raises NotFound (collection or community), InvalidInput or Forbidden.
    """
    _require_admin(actor)
    name_en, name_ar = _names(name_en, name_ar)
    _printable(description, description_ar)
    with uow:
        current = records.load_collection(uow.conn, collection_id)
        target = community_id or current.community_id
        records.load_community(uow.conn, target)
        uow.conn.execute(
            update(t.collections)
            .where(t.collections.c.id == collection_id)
            .values(
                name_en=name_en,
                name_ar=name_ar,
                description=description.strip(),
                description_ar=description_ar.strip(),
                community_id=target,
            )
        )
        if target != current.community_id:
            event = {"community": {"old": current.community_id, "new": target}}
            item_ids = uow.conn.execute(
                select(t.items.c.id).where(t.items.c.collection_id == collection_id).order_by(t.items.c.id)
            ).scalars()
            for item_id in list(item_ids):
                item = records.load_item(uow.conn, item_id, for_update=True)
                record_change(uow.conn, actor, item, snapshot(item), "move-collection", clock, events=event)
        return records.load_collection(uow.conn, collection_id)


def delete_collection(uow: UnitOfWork, actor: Actor, collection_id: str) -> None:
    """Delete an empty collection; raises Conflict (with `items`, the count) if any item is in it.

    Deleted items count: their tombstones stay in the collection so harvesters learn of the deletion.
    """
    _require_admin(actor)
    with uow:
        records.load_collection(uow.conn, collection_id)
        count = records.count_items(uow.conn, collection_id)
        if count:
            raise Conflict(
                f"collection {collection_id!r} still holds {count} items; move them to another collection first",
                items=count,
            )
        uow.conn.execute(delete(t.collection_grants).where(t.collection_grants.c.collection_id == collection_id))
        uow.conn.execute(delete(t.collections).where(t.collections.c.id == collection_id))


def delete_community(uow: UnitOfWork, actor: Actor, community_id: str) -> None:
    """Delete a community without collections; raises Conflict (with `collections`, the count) otherwise."""
    _require_admin(actor)
    with uow:
        records.load_community(uow.conn, community_id)
        count = uow.conn.execute(
            select(func.count()).select_from(t.collections).where(t.collections.c.community_id == community_id)
        ).scalar_one()
        if count:
            raise Conflict(
                f"community {community_id!r} still holds {count} collections; move or delete them first",
                collections=int(count),
            )
        uow.conn.execute(delete(t.communities).where(t.communities.c.id == community_id))
