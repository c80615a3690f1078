"""Reading and writing domain objects to the tables: the only SQL about items, files and versions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from repository.db import tables as t
from repository.domain import (
    Collection,
    Community,
    FileRef,
    FileRole,
    Item,
    Status,
    Version,
    Visibility,
)
from repository.errors import Conflict, NotFound


def item_from_row(row: Row[Any], files: list[FileRef] | None = None) -> Item:
    return Item(
        id=row.id,
        collection_id=row.collection_id,
        status=Status(row.status),
        visibility=Visibility(row.visibility),
        metadata=row.metadata,
        datestamp=row.datestamp,
        created=row.created,
        version=row.version,
        embargo_until=row.embargo_until,
        suggestions=row.suggestions or {},
        files=files or [],
        first_published=row.first_published,
    )


def file_from_row(row: Row[Any]) -> FileRef:
    return FileRef(
        id=row.id,
        item_id=row.item_id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        md5=row.md5,
        mime=row.mime,
        role=FileRole(row.role),
        key=row.key,
        created=row.created,
        source_file_id=row.source_file_id,
        page_count=row.page_count,
        language=row.language,
        details=row.details or {},
    )


def load_item(conn: Connection, item_id: str, *, for_update: bool = False) -> Item:
    """The item with its files; raises NotFound."""
    query = select(t.items).where(t.items.c.id == item_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no item {item_id!r}")
    return item_from_row(row, load_files(conn, [item_id]).get(item_id, []))


def load_items(conn: Connection, rows: Iterable[Row[Any]]) -> list[Item]:
    """Items for already-selected item rows, with their files fetched in one query."""
    rows = list(rows)
    files = load_files(conn, [r.id for r in rows])
    return [item_from_row(r, files.get(r.id, [])) for r in rows]


def load_files(conn: Connection, item_ids: list[str]) -> dict[str, list[FileRef]]:
    found: dict[str, list[FileRef]] = {}
    if not item_ids:
        return found
    query = select(t.files).where(t.files.c.item_id.in_(item_ids)).order_by(t.files.c.id)
    for row in conn.execute(query):
        found.setdefault(row.item_id, []).append(file_from_row(row))
    return found


def item_exists(conn: Connection, item_id: str) -> bool:
    return conn.execute(select(t.items.c.id).where(t.items.c.id == item_id)).first() is not None


def _note_first_publication(item: Item) -> None:
    # Here, where every write of an item passes, so no path to publication can skip the mark.
    if item.first_published is None and item.metadata_is_public(item.datestamp.date()):
        item.first_published = item.datestamp


def insert_item(conn: Connection, item: Item) -> None:
    _note_first_publication(item)
    conn.execute(
        insert(t.items).values(
            id=item.id,
            collection_id=item.collection_id,
            status=item.status.value,
            visibility=item.visibility.value,
            embargo_until=item.embargo_until,
            metadata=item.metadata,
            suggestions=item.suggestions,
            created=item.created,
            datestamp=item.datestamp,
            version=item.version,
            indexed_version=0,
            first_published=item.first_published,
        )
    )


def save_item(conn: Connection, item: Item) -> None:
    """Write an item's mutable columns; bumping `version` marks it for re-indexing."""
    _note_first_publication(item)
    conn.execute(
        update(t.items)
        .where(t.items.c.id == item.id)
        .values(
            collection_id=item.collection_id,
            status=item.status.value,
            visibility=item.visibility.value,
            embargo_until=item.embargo_until,
            metadata=item.metadata,
            suggestions=item.suggestions,
            datestamp=item.datestamp,
            version=item.version,
            first_published=item.first_published,
        )
    )


def replace_identifiers(conn: Connection, item_id: str, pairs: list[tuple[str, str]]) -> None:
    """Claim the item's unique identifiers; raises Conflict naming one another item holds."""
    conn.execute(delete(t.item_identifiers).where(t.item_identifiers.c.item_id == item_id))
    for scheme, value in pairs:
        holder = conn.execute(
            select(t.item_identifiers.c.item_id).where(
                t.item_identifiers.c.scheme == scheme, t.item_identifiers.c.value == value
            )
        ).scalar()
        if holder is not None:
            raise Conflict(f"the {scheme.upper()} {value} already belongs to item {holder}", item_id=holder)
        try:
            with conn.begin_nested():
                conn.execute(insert(t.item_identifiers).values(item_id=item_id, scheme=scheme, value=value))
        except SAIntegrityError as exc:
            raise Conflict(f"the {scheme.upper()} {value} is already in use") from exc


def item_for_identifier(conn: Connection, scheme: str, value: str) -> str | None:
    query = select(t.item_identifiers.c.item_id).where(
        t.item_identifiers.c.scheme == scheme, t.item_identifiers.c.value == value
    )
    return conn.execute(query).scalar()


def item_holding(conn: Connection, sha256: str, *, other_than: str | None = None) -> str | None:
    """The id of an item (other than `other_than`) whose original file has these bytes, if any."""
    query = select(t.files.c.item_id).where(t.files.c.sha256 == sha256, t.files.c.role == FileRole.ORIGINAL.value)
    if other_than is not None:
        query = query.where(t.files.c.item_id != other_than)
    found: str | None = conn.execute(query.order_by(t.files.c.item_id).limit(1)).scalar()
    return found


def insert_file(conn: Connection, **values: Any) -> FileRef:
    file_id = conn.execute(insert(t.files).values(**values).returning(t.files.c.id)).scalar_one()
    row = conn.execute(select(t.files).where(t.files.c.id == file_id)).one()
    return file_from_row(row)


def add_version(
    conn: Connection, item_id: str, number: int, actor: str, action: str, at: datetime, changes: dict[str, Any]
) -> None:
    conn.execute(
        insert(t.versions).values(item_id=item_id, number=number, actor=actor, at=at, action=action, changes=changes)
    )


def list_versions(conn: Connection, item_id: str) -> list[Version]:
    query = select(t.versions).where(t.versions.c.item_id == item_id).order_by(t.versions.c.number)
    return [
        Version(item_id=r.item_id, number=r.number, actor=r.actor, at=r.at, action=r.action, changes=r.changes)
        for r in conn.execute(query)
    ]


def license_labels(conn: Connection, uris: Iterable[str]) -> dict[str, str]:
    """The label librarians recorded for each licence URI (any one, when items disagree)."""
    uri = t.items.c.metadata["license"]["uri"].as_string()
    label = t.items.c.metadata["license"]["label"].as_string()
    found = {}
    for wanted in dict.fromkeys(uris):
        # One row per URI: the scan stops at the first labelled item instead of reading every item.
        first = conn.execute(select(label).where(uri == wanted, label.is_not(None), label != "").limit(1)).first()
        if first is not None:
            found[wanted] = first[0]
    return found


def list_communities(conn: Connection) -> list[Community]:
    query = select(t.communities).order_by(t.communities.c.position, t.communities.c.id)
    return [Community(r.id, r.name_en, r.name_ar, r.description, r.description_ar) for r in conn.execute(query)]


def list_collections(conn: Connection, community_id: str | None = None) -> list[Collection]:
    query = select(t.collections).order_by(t.collections.c.community_id, t.collections.c.id)
    if community_id is not None:
        query = query.where(t.collections.c.community_id == community_id)
    return [
        Collection(r.id, r.community_id, r.name_en, r.name_ar, r.description, r.description_ar)
        for r in conn.execute(query)
    ]


def load_collection(conn: Connection, collection_id: str) -> Collection:
    row = conn.execute(select(t.collections).where(t.collections.c.id == collection_id)).first()
    if row is None:
        raise NotFound(f"no collection {collection_id!r}")
    return Collection(row.id, row.community_id, row.name_en, row.name_ar, row.description, row.description_ar)


def count_items(conn: Connection, collection_id: str) -> int:
    """Every item in the collection, tombstones included."""
    query = select(func.count()).select_from(t.items).where(t.items.c.collection_id == collection_id)
    return int(conn.execute(query).scalar_one())


def count_items_by_collection(conn: Connection) -> dict[str, int]:
    query = select(t.items.c.collection_id, func.count()).group_by(t.items.c.collection_id)
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def load_community(conn: Connection, community_id: str) -> Community:
    row = conn.execute(select(t.communities).where(t.communities.c.id == community_id)).first()
    if row is None:
        raise NotFound(f"no community {community_id!r}")
    return Community(row.id, row.name_en, row.name_ar, row.description, row.description_ar)
