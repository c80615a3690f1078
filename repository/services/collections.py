"""Communities (faculties) and their collections."""

from __future__ import annotations

import re

from sqlalchemy import func, insert, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, Collection, Community, Role
from repository.errors import Conflict, Forbidden, InvalidInput

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _check(actor: Actor, slug: str) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("only administrators may change communities and collections")
    if not SLUG.match(slug):
        raise InvalidInput(f"{slug!r} is not a valid identifier: use a-z, 0-9 and '-'")


def create_community(
    uow: UnitOfWork, actor: Actor, slug: str, name_en: str, name_ar: str, description: str = ""
) -> Community:
    _check(actor, slug)
    with uow:
        if uow.conn.execute(select(t.communities.c.id).where(t.communities.c.id == slug)).first():
            raise Conflict(f"community {slug!r} already exists")
        position = uow.conn.execute(select(func.count()).select_from(t.communities)).scalar_one()
        uow.conn.execute(
            insert(t.communities).values(
                id=slug, name_en=name_en, name_ar=name_ar, description=description, position=position
            )
        )
    return Community(slug, name_en, name_ar, description)


def create_collection(
    uow: UnitOfWork, actor: Actor, community_id: str, slug: str, name_en: str, name_ar: str, description: str = ""
) -> Collection:
    _check(actor, slug)
    with uow:
        records.load_community(uow.conn, community_id)
        if uow.conn.execute(select(t.collections.c.id).where(t.collections.c.id == slug)).first():
            raise Conflict(f"collection {slug!r} already exists")
        uow.conn.execute(
            insert(t.collections).values(
                id=slug, community_id=community_id, name_en=name_en, name_ar=name_ar, description=description
            )
        )
    return Collection(slug, community_id, name_en, name_ar, description)
