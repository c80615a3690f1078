"""Adding and removing an item's files (bitstreams)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, FileRef, FileRole, utcnow
from repository.errors import NotFound
from repository.filenames import check_filename
from repository.ingest import jobs
from repository.ingest.detect import SNIFF_BYTES, sniff_mime
from repository.objects.ports import ObjectStore
from repository.services.deposit import require_own_deposit, require_staff
from repository.services.versioning import Clock, record_change, snapshot


@dataclass(frozen=True)
class AddedFile:
    file: FileRef
    job_id: int | None  # the ingest job queued: for an original, or for the recording a caption belongs to


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
    Raises InvalidInput (bad filename), TooLarge, NotFound (item).
    """
    if not actor.is_submitter:
        require_staff(actor)
    name = check_filename(name)
    with uow:  # fail fast on an unknown item (or one this submitter may not touch) before reading a large body
        require_own_deposit(uow.conn, actor, records.load_item(uow.conn, item_id))
    stored = store.put(stream, max_bytes=max_bytes)
    with store.open(stored.key, 0, SNIFF_BYTES) as head:
        mime = sniff_mime(head.read())
    with uow:
        item = records.load_item(uow.conn, item_id, for_update=True)
        before = snapshot(item)
        now = clock()
        ref = records.insert_file(
            uow.conn,
            item_id=item_id,
            name=name,
            size=stored.size,
            sha256=stored.sha256,
            md5=stored.md5,
            mime=mime,
            role=role.value,
            key=stored.key,
            created=now,
            details={},
        )
        job_id = None
        if role is FileRole.ORIGINAL:
            job_id = jobs.enqueue(uow.conn, ref.id, item_id, now)
        elif role is FileRole.CAPTION:  # a caption added later makes its recording's speech searchable
            for media in item.originals():
                if media.mime.startswith(("video/", "audio/")):
                    job_id = jobs.enqueue(uow.conn, media.id, item_id, now)
        item.files.append(ref)
        record_change(uow.conn, actor, item, before, "add-file", clock)
    return AddedFile(ref, job_id)


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
