"""Keeping the search index in step with the database: the outbox sync, full reindex, and the sync loop.

Every change to an item bumps `items.version` in the same transaction as the
change (`repository.services.versioning`); the index is behind for an item
while `indexed_version < version`. `sync()` drains those marks in batches:
under the index's single writer it reads the items, writes their documents
(or removes the item when it is no longer published and public), commits the
index, and only then records `indexed_version` with a compare-and-set on the
version it read. So a crash after the database commit but before the index
write leaves the mark set, and the next sync repairs it; a change that lands
while a batch is being indexed bumps the version, the compare-and-set misses,
and the item is simply indexed again.

`reindex()` rewrites every item under a new generation, keeping a checkpoint
(the last item id done) with the index, so an interrupted rebuild resumes;
at the end, documents of older generations (items the database no longer
has) are dropped. A brand-new or wiped index has no generation yet, and
`sync()` starts a reindex by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Engine, bindparam, func, select, update

from indexer.documents import MAX_TEXT_CHARS, IndexDocument, text_files, to_document
from indexer.ports import SearchIndex, StateKey
from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.domain import Item, utcnow
from repository.errors import NotFound, StoreUnavailable
from repository.objects.ports import ObjectStore

log = logging.getLogger(__name__)

BATCH = 200
Progress = Callable[[int, int], None]  # (items done, items in all)


@dataclass
class SyncReport:
    indexed: int = 0  # documents written
    removed: int = 0  # items taken out (withdrawn, deleted, restricted, back to draft)
    missed: int = 0  # items that changed while being indexed: the next pass takes them again
    failed: int = 0  # items whose document could not be made (logged): the next pass tries again

    def add(self, other: SyncReport) -> None:
        self.indexed += other.indexed
        self.removed += other.removed
        self.missed += other.missed
        self.failed += other.failed


def sync(
    engine: Engine, store: ObjectStore, index: SearchIndex, *, batch: int = BATCH, today: date | None = None
) -> SyncReport:
    """Index every item that is behind, plus items whose embargo has ended; returns what was done."""
    today = today or utcnow().date()
    state = index.load_state()
    if StateKey.GENERATION not in state or StateKey.REINDEX in state:
        return reindex(engine, store, index, batch=batch, today=today)
    report = SyncReport()
    lifted = index.embargo_lifted(today)
    for start in range(0, len(lifted), batch):
        report.add(_index_items(engine, store, index, lifted[start : start + batch], today))
    after = ""
    behind = t.items.c.indexed_version < t.items.c.version
    while ids := _ids(engine, behind, after, batch):
        report.add(_index_items(engine, store, index, ids, today))
        after = ids[-1]
    return report


def reindex(
    engine: Engine,
    store: ObjectStore,
    index: SearchIndex,
    *,
    progress: Progress | None = None,
    batch: int = BATCH,
    today: date | None = None,
    restart: bool = False,
) -> SyncReport:
    """Rewrite every item's document; resumes an interrupted rebuild unless `restart` is set."""
    today = today or utcnow().date()
    state = index.load_state()
    job = state.get(StateKey.REINDEX)
    if job is None or restart:
        job = {"generation": int(state.get(StateKey.GENERATION, 0)) + 1, "after": ""}
        index.save_state({**state, StateKey.GENERATION: job["generation"], StateKey.REINDEX: job})
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(t.items)).scalar_one()
        done = conn.execute(select(func.count()).select_from(t.items).where(t.items.c.id <= job["after"])).scalar_one()
    report = SyncReport()
    if progress:
        progress(done, total)
    while ids := _ids(engine, None, job["after"], batch):
        report.add(_index_items(engine, store, index, ids, today))
        done += len(ids)
        job["after"] = ids[-1]
        index.save_state({**index.load_state(), StateKey.REINDEX: job})
        if progress:
            progress(done, total)
    with index.writer() as writer:
        writer.delete_older_than(job["generation"])
    state = index.load_state()
    state.pop(StateKey.REINDEX, None)
    index.save_state(state)
    return report


class SyncLoop:
    """A background thread that syncs every `interval` seconds, or at once when nudged after a change."""

    def __init__(
        self, engine: Engine, store: ObjectStore, index: SearchIndex, *, interval: float = 10.0, batch: int = BATCH
    ) -> None:
        self.engine, self.store, self.index = engine, store, index
        self.interval, self.batch = interval, batch
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = self._new_thread()
        self._started = False

    def _new_thread(self) -> threading.Thread:
        return threading.Thread(target=self._run, name="mawrid-index-sync", daemon=True)

    def start(self) -> SyncLoop:
        self._thread.start()
        self._started = True
        return self

    def alive(self) -> bool:
        return self._thread.is_alive()

    def revive(self) -> int:
        """Start the thread again if it died after `start` (not after `stop`); 1 if it did, else 0."""
        if not self._started or self._stopping.is_set() or self._thread.is_alive():
            return 0
        self._thread = self._new_thread()
        self._thread.start()
        return 1

    def nudge(self) -> None:
        """Ask for a sync now (after a commit that marked items), without waiting for it."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                sync(self.engine, self.store, self.index, batch=self.batch)
            except Exception:  # a down store or a locked index: the marks stay, the next round retries
                log.exception("index sync failed; retrying in %s s", self.interval)
            self._wake.wait(self.interval)


def _ids(engine: Engine, condition: ColumnElement[bool] | None, after: str, batch: int) -> list[str]:
    query = select(t.items.c.id).where(t.items.c.id > after).order_by(t.items.c.id).limit(batch)
    if condition is not None:
        query = query.where(condition)
    with reading(engine) as conn:
        return list(conn.execute(query).scalars())


def _index_items(engine: Engine, store: ObjectStore, index: SearchIndex, ids: Sequence[str], today: date) -> SyncReport:
    """Write (or remove) the documents of these items, then mark the versions written as indexed."""
    report = SyncReport()
    with index.writer() as writer:  # read inside the writer, so no other writer can put an older read after ours
        with reading(engine) as conn:
            items = records.load_items(conn, conn.execute(select(t.items).where(t.items.c.id.in_(ids))))
            community = {c.id: c.community_id for c in records.list_collections(conn)}
        docs: list[IndexDocument] = []
        gone: list[str] = []
        done: list[Item] = []
        for item in items:
            try:
                if item.metadata_is_public(today):
                    docs.append(to_document(item, community.get(item.collection_id, ""), _texts(store, item), today))
                else:
                    gone.append(item.id)
                done.append(item)
            except StoreUnavailable:
                raise
            except Exception:  # one bad record must not hold up the rest: it stays marked, and is logged
                log.exception("item %s could not be indexed; it will be tried again", item.id)
                report.failed += 1
        gone += sorted(set(ids) - {item.id for item in items})  # rows that no longer exist at all
        writer.upsert(docs)
        writer.delete(gone)
    report.indexed, report.removed = len(docs), len(gone)
    report.missed = len(done) - _mark_indexed(engine, [(item.id, item.version) for item in done])
    return report


def _mark_indexed(engine: Engine, versions: list[tuple[str, int]]) -> int:
    """Compare-and-set `indexed_version` to the version that was written; returns how many rows took it."""
    if not versions:
        return 0
    statement = (
        update(t.items)
        .where(t.items.c.id == bindparam("item_id"), t.items.c.version == bindparam("written"))
        .where(t.items.c.indexed_version < bindparam("written"))
        .values(indexed_version=bindparam("written"))
    )
    with UnitOfWork(engine) as uow:  # one statement per row: executemany row counts are not portable
        return sum(uow.conn.execute(statement, {"item_id": i, "written": v}).rowcount for i, v in versions)


def _texts(store: ObjectStore, item: Item) -> dict[int, str]:
    """The decoded text of the item's text and caption files; a missing object is logged and skipped."""
    texts: dict[int, str] = {}
    for f in text_files(item):
        try:
            with store.open(f.key, 0, min(f.size, MAX_TEXT_CHARS * 4)) as stream:
                texts[f.id] = stream.read().decode("utf-8", errors="replace")
        except NotFound:
            log.warning("text file %s of item %s is missing from the store; indexed without it", f.key, item.id)
    return texts
