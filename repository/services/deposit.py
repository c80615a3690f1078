"""Depositing items and editing their metadata."""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, Item, Metadata, Status, Visibility, utcnow
from repository.errors import Conflict, Forbidden, InvalidInput, Message
from repository.metadata import identifiers_of, validate_metadata
from repository.services.versioning import Clock, record_change, snapshot

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u to misread


def new_item_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


GIVEN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,31}$")


def check_item_id(item_id: str) -> str:
    """An id chosen by a librarian or an import sheet: it ends up in URLs and OAI identifiers."""
    if not GIVEN_ID.match(item_id):
        raise InvalidInput(f"item id {item_id!r} must be 3-32 characters of a-z, 0-9 and '-'")
    return item_id


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("only librarians and administrators may change the repository")


def is_granted(conn: Connection, actor: Actor, collection_id: str) -> bool:
    """Whether a submitter may deposit into the collection (an administrator granted it)."""
    query = select(t.collection_grants.c.user_id).where(
        t.collection_grants.c.user_id == actor.user_id, t.collection_grants.c.collection_id == collection_id
    )
    return actor.is_submitter and actor.user_id is not None and conn.execute(query).first() is not None


def require_depositor(conn: Connection, actor: Actor, collection_id: str) -> None:
    """Staff deposit anywhere; a submitter only into the collections granted to them."""
    if actor.is_staff:
        return
    if not is_granted(conn, actor, collection_id):
        raise Forbidden(Message("you may not deposit into collection %(collection)s", collection=collection_id))


def require_own_deposit(conn: Connection, actor: Actor, item: Item) -> None:
    """Staff change any item; a submitter only their own deposit, while it waits for review or was returned."""
    if actor.is_staff:
        return
    first = conn.execute(
        select(t.versions.c.actor).where(t.versions.c.item_id == item.id, t.versions.c.number == 1)
    ).scalar()
    if not (
        is_granted(conn, actor, item.collection_id)
        and first == actor.name
        and item.status in (Status.DRAFT, Status.REVIEW)
    ):
        raise Forbidden("only librarians and administrators may change this item")


def deposit_item(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    metadata: Metadata,
    *,
    status: Status = Status.DRAFT,
    visibility: Visibility = Visibility.PUBLIC,
    embargo_until: date | None = None,
    item_id: str | None = None,
    suggestions: Metadata | None = None,
    clock: Clock = utcnow,
) -> Item:
    """Create an item in a collection. Raises InvalidMetadata, NotFound (collection) or Conflict.

    A submitter's deposit always waits in review for a librarian; any other status is Forbidden.
    An item that should arrive with files is deposited by `files.deposit_with_files`, which
    creates it in the same transaction as its files.
    """
    new = prepare_item(actor, collection_id, metadata, status, visibility, embargo_until, item_id, suggestions, clock)
    with uow:
        insert_new_item(uow.conn, actor, new)
        record_deposit(uow.conn, actor, new)
    return new


def prepare_item(
    actor: Actor,
    collection_id: str,
    metadata: Metadata,
    status: Status,
    visibility: Visibility,
    embargo_until: date | None,
    item_id: str | None,
    suggestions: Metadata | None,
    clock: Clock,
) -> Item:
    """A new item checked for everything but the database: who deposits, metadata, status, id."""
    if not actor.is_staff and not actor.is_submitter:
        require_staff(actor)
    if actor.is_submitter and status not in (Status.DRAFT, Status.REVIEW):
        raise Forbidden("submitters cannot publish; a librarian reviews each deposit")
    if actor.is_submitter:
        status = Status.REVIEW
    validate_metadata(metadata)
    if status is Status.DELETED:
        raise InvalidInput("an item cannot be deposited as deleted")
    now = clock()
    return Item(
        id=check_item_id(item_id) if item_id else new_item_id(),
        collection_id=collection_id,
        status=status,
        visibility=visibility,
        metadata=metadata,
        datestamp=now,
        created=now,
        version=1,
        embargo_until=embargo_until,
        suggestions=suggestions or {},
    )


def check_room_for(conn: Connection, actor: Actor, item: Item) -> None:
    """Raises NotFound (collection), Forbidden (a submitter not granted it) or Conflict (the id is taken)."""
    records.load_collection(conn, item.collection_id)
    require_depositor(conn, actor, item.collection_id)
    if records.item_exists(conn, item.id):
        raise Conflict(f"an item with id {item.id!r} already exists", item_id=item.id)


def insert_new_item(conn: Connection, actor: Actor, item: Item) -> None:
    """Insert the item's row and identifiers; raises NotFound (collection), Forbidden or Conflict."""
    check_room_for(conn, actor, item)
    records.insert_item(conn, item)
    records.replace_identifiers(conn, item.id, identifiers_of(item.metadata))


def record_deposit(conn: Connection, actor: Actor, item: Item) -> None:
    """The item's first version, once its files (if any) are attached: the history starts whole."""
    records.add_version(conn, item.id, 1, actor.name, "deposit", item.created, {"created": snapshot(item)})


def update_metadata(uow: UnitOfWork, actor: Actor, item_id: str, metadata: Metadata, clock: Clock = utcnow) -> Item:
    """Replace an item's metadata as a whole; raises InvalidMetadata, NotFound or Conflict."""
    require_staff(actor)
    validate_metadata(metadata)
    with uow:
        item = records.load_item(uow.conn, item_id, for_update=True)
        before = snapshot(item)
        item.metadata = metadata
        records.replace_identifiers(uow.conn, item.id, identifiers_of(metadata))
        return record_change(uow.conn, actor, item, before, "update", clock)
