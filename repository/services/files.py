"""Adding and removing an item's files (bitstreams), and depositing an item together with its files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import delete, update
from sqlalchemy.engine import Connection

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.domain import Actor, FileRef, FileRole, Item, Metadata, Status, Visibility, utcnow
from repository.errors import InvalidInput, NotFound, TooLarge
from repository.filenames import check_filename
from repository.ingest.detect import SNIFF_BYTES, sniff_mime
from repository.jobs import queue
from repository.objects.ports import ObjectStore, StoredObject
from repository.services.deposit import (
    check_room_for,
    insert_new_item,
    prepare_item,
    record_deposit,
    require_own_deposit,
    require_staff,
)
from repository.services.versioning import Clock, record_change, snapshot


@dataclass(frozen=True)
class AddedFile:
    file: FileRef
    job_id: int | None  # the ingest job queued: for an original, or for the recording a caption belongs to


@dataclass(frozen=True)
class NewFile:
    """A file to deposit with a new item. A known `size` lets a file that is empty or too large be
    refused before any byte of the item is stored."""

    stream: BinaryIO
    name: str
    role: FileRole = FileRole.ORIGINAL
    size: int | None = None


@dataclass(frozen=True)
class DepositedItem:
    item: Item
    job_ids: list[int]


@dataclass(frozen=True)
class _Staged:
    stored: StoredObject
    name: str
    role: FileRole
    mime: str


def add_file(
    uow: UnitOfWork,
    store: ObjectStore,
    actor: Actor,
    item_id: str,
    stream: BinaryIO,
    name: str,
    *,
    role: FileRole = FileRole.ORIGINAL,
    max_bytes: int | None = None,
    clock: Clock = utcnow,
) -> AddedFile:
    """Stream a file into the store, then record it and queue its ingest job in one transaction.

    The bytes are stored first (complete or absent); a crash before the commit
    leaves at most an unreferenced object, never a row without its bytes.
    Raises InvalidInput (bad filename, empty file), TooLarge, NotFound (item).
    """
    if not actor.is_submitter:
        require_staff(actor)
    name = check_filename(name)
    with uow:  # fail fast on an unknown item (or one this submitter may not touch) before reading a large body
        require_own_deposit(uow.conn, actor, records.load_item(uow.conn, item_id))
    staged = _stage(store, stream, name, role, max_bytes)
    with uow:
        item = records.load_item(uow.conn, item_id, for_update=True)
        before = snapshot(item)
        ref, job_id = _record(uow.conn, item, staged, clock(), queue_recordings=True)
        record_change(uow.conn, actor, item, before, "add-file", clock)
    return AddedFile(ref, job_id)


def deposit_with_files(
    uow: UnitOfWork,
    store: ObjectStore,
    actor: Actor,
    collection_id: str,
    metadata: Metadata,
    files: Sequence[NewFile],
    *,
    status: Status = Status.DRAFT,
    visibility: Visibility = Visibility.PUBLIC,
    embargo_until: date | None = None,
    item_id: str | None = None,
    suggestions: Metadata | None = None,
    max_bytes: int | None = None,
    clock: Clock = utcnow,
) -> DepositedItem:
    """Create an item together with its files: the item appears with all of them or not at all.

    Every file is checked (name, known size) and then stored before the one
    transaction that inserts the item, its file rows and their ingest jobs; a
    refused file or a crash on the way leaves no item, only unreferenced
    objects. Raises InvalidMetadata, InvalidInput, TooLarge, NotFound (collection), Forbidden, Conflict.
    """
    item = prepare_item(actor, collection_id, metadata, status, visibility, embargo_until, item_id, suggestions, clock)
    names = [check_filename(f.name) for f in files]
    for new, name in zip(files, names, strict=True):
        _check_size(name, new.size, max_bytes)
    with reading(uow.engine) as conn:  # fail fast, before reading large bodies
        check_room_for(conn, actor, item)
    staged = [_stage(store, f.stream, name, f.role, max_bytes) for f, name in zip(files, names, strict=True)]
    job_ids = []
    with uow:
        insert_new_item(uow.conn, actor, item)
        for one in staged:
            # The originals of this deposit are queued anyway, and their jobs see its captions.
            _, job_id = _record(uow.conn, item, one, item.created, queue_recordings=False)
            if job_id is not None:
                job_ids.append(job_id)
        record_deposit(uow.conn, actor, item)
    return DepositedItem(item, job_ids)


def _check_size(name: str, size: int | None, max_bytes: int | None) -> None:
    if size == 0:
        raise InvalidInput(f"{name} is empty (0 bytes): choose the file again, or another one")
    if size is not None and max_bytes is not None and size > max_bytes:
        raise TooLarge(f"{name} is larger than the limit of {max_bytes} bytes")


def _stage(store: ObjectStore, stream: BinaryIO, name: str, role: FileRole, max_bytes: int | None) -> _Staged:
    """Store the bytes (complete or absent) and sniff their type; raises InvalidInput for an empty file."""
    stored = store.put(stream, max_bytes=max_bytes)
    _check_size(name, stored.size, None)
    with store.open(stored.key, 0, SNIFF_BYTES) as head:
        mime = sniff_mime(head.read())
    return _Staged(stored, name, role, mime)


def _record(
    conn: Connection, item: Item, staged: _Staged, now: datetime, *, queue_recordings: bool
) -> tuple[FileRef, int | None]:
    """Insert the file row and queue its ingest job; the caller records the item's change."""
    stored = staged.stored
    ref = records.insert_file(
        conn,
        item_id=item.id,
        name=staged.name,
        size=stored.size,
        sha256=stored.sha256,
        md5=stored.md5,
        mime=staged.mime,
        role=staged.role.value,
        key=stored.key,
        created=now,
        details={},
    )
    job_id = None
    if staged.role is FileRole.ORIGINAL:
        job_id = queue.enqueue(conn, ref.id, item.id, now)
    elif staged.role is FileRole.CAPTION and queue_recordings:
        # A caption added later makes its recording's speech searchable.
        for media in item.originals():
            if media.mime.startswith(("video/", "audio/")):
                job_id = queue.enqueue(conn, media.id, item.id, now)
    item.files.append(ref)
    return ref, job_id


def remove_file(uow: UnitOfWork, actor: Actor, item_id: str, file_id: int, clock: Clock = utcnow) -> None:
    """Detach a file and its derivatives from an item. The bytes stay until no row references them."""
    require_staff(actor)
    with uow:
        item = records.load_item(uow.conn, item_id, for_update=True)
        if not any(f.id == file_id for f in item.files):
            raise NotFound(f"item {item_id} has no file {file_id}")
        before = snapshot(item)
        gone = {file_id} | {f.id for f in item.files if f.source_file_id == file_id}
        uow.conn.execute(delete(t.files).where(t.files.c.id.in_(gone)))
        item.files = [f for f in item.files if f.id not in gone]
        record_change(uow.conn, actor, item, before, "remove-file", clock)


def put_derivative(
    conn: Connection,
    item: Item,
    source_id: int,
    role: FileRole,
    stored: StoredObject | None,
    *,
    name: str,
    mime: str,
    details: dict[str, Any],
    now: datetime,
    page_count: int | None = None,
    language: str | None = None,
) -> FileRef | None:
    """Keep the one derivative of `role` made from file `source_id` that holds `stored`, replacing or removing
    any other (none is left when `stored` is None); `item.files` follows. Returns the derivative kept or made."""
    existing = [f for f in item.files if f.source_file_id == source_id and f.role is role]
    keep = next((f for f in existing if stored is not None and f.sha256 == stored.sha256), None)
    stale = [f.id for f in existing if f is not keep]
    if stale:
        conn.execute(delete(t.files).where(t.files.c.id.in_(stale)))
        item.files = [f for f in item.files if f.id not in stale]
    if keep is not None:
        if keep.details != details:
            conn.execute(update(t.files).where(t.files.c.id == keep.id).values(details=details))
            keep = replace(keep, details=details)
        return keep
    if stored is None:
        return None
    ref = records.insert_file(
        conn,
        item_id=item.id,
        name=name,
        size=stored.size,
        sha256=stored.sha256,
        md5=stored.md5,
        mime=mime,
        role=role.value,
        key=stored.key,
        created=now,
        source_file_id=source_id,
        page_count=page_count,
        language=language,
        details=details,
    )
    item.files.append(ref)
    return ref
