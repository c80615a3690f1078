"""The outbox sync: changes reach the index after a sync, and a lost index write is repaired by the next one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer import service
from indexer.ports import Query, SearchIndex
from indexer.sync import SyncLoop, _mark_indexed, sync
from indexer.tantivy_index import TantivyIndex
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import ANONYMOUS
from repository.errors import StoreUnavailable
from repository.services.deposit import update_metadata
from repository.services.workflow import delete_item, publish_item, withdraw_item
from tests.conftest import LIBRARIAN
from tests.factories import make_item, metadata
from tests.indexer.conftest import Finder, add_text
from web.wiring import Wiring


def _behind(wiring: Wiring) -> set[str]:
    with reading(wiring.engine) as conn:
        query = select(t.items.c.id).where(t.items.c.indexed_version < t.items.c.version)
        return set(conn.execute(query).scalars())


def _unsynced_ids(index: SearchIndex, text: str) -> set[str]:
    """Search without syncing first: what the index holds right now."""
    return {h.id for h in service.search(index, ANONYMOUS, Query(text=text), cursor_key="k").hits}


def test_update_withdraw_republish_and_delete_are_reflected_after_sync(
    find: Finder, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, "Granite quarries")
    assert find.ids("granite") == {item.id}
    update_metadata(wiring.uow(), LIBRARIAN, item.id, metadata("Marble quarries"))
    assert find.ids("granite") == set() and find.ids("marble") == {item.id}
    withdraw_item(wiring.uow(), LIBRARIAN, item.id)
    assert find.ids("marble") == set()
    publish_item(wiring.uow(), LIBRARIAN, item.id)
    assert find.ids("marble") == {item.id}
    delete_item(wiring.uow(), LIBRARIAN, item.id)
    assert find.ids("marble") == set()
    assert _behind(wiring) == set()


def test_a_crash_between_the_database_commit_and_the_index_write_is_repaired_by_the_next_sync(
    find: Finder, wiring: Wiring, index: SearchIndex, collection: str
) -> None:
    item = make_item(wiring, collection, "Granite quarries")
    assert find.ids("granite") == {item.id}
    # The change commits; the process dies before anything reaches the index.
    update_metadata(wiring.uow(), LIBRARIAN, item.id, metadata("Marble quarries"))
    assert _unsynced_ids(index, "marble") == set() and _behind(wiring) == {item.id}
    report = sync(wiring.engine, wiring.store, index)
    assert (report.indexed, report.missed) == (1, 0)
    assert _unsynced_ids(index, "marble") == {item.id} and _behind(wiring) == set()


def test_a_failed_index_write_leaves_the_mark_for_the_next_sync(
    wiring: Wiring, collection: str, tmp_path: Path
) -> None:
    path = tmp_path / "shared-index"
    holder, syncer = TantivyIndex(path), TantivyIndex(path, lock_timeout=0.3)
    sync(wiring.engine, wiring.store, syncer)
    item = make_item(wiring, collection, "Granite quarries")
    syncer.close()
    # Another process holds the index's only writer.
    with holder.writer(), pytest.raises(StoreUnavailable, match="cannot be written"):
        sync(wiring.engine, wiring.store, syncer)
    holder.close()
    assert _behind(wiring) == {item.id} and _unsynced_ids(syncer, "granite") == set()
    sync(wiring.engine, wiring.store, syncer)
    assert _behind(wiring) == set() and _unsynced_ids(syncer, "granite") == {item.id}


def test_a_change_during_indexing_keeps_the_item_behind(wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Granite quarries")
    read_version = item.version
    update_metadata(wiring.uow(), LIBRARIAN, item.id, metadata("Marble quarries"))  # lands mid-batch
    assert _mark_indexed(wiring.engine, [(item.id, read_version)]) == 0  # the compare-and-set misses
    assert _behind(wiring) == {item.id}


def test_sync_loop_indexes_after_a_nudge(wiring: Wiring, index: SearchIndex, collection: str) -> None:
    loop = SyncLoop(wiring.engine, wiring.store, index, interval=60).start()
    try:
        item = make_item(wiring, collection, "Granite quarries")
        loop.nudge()
        deadline = time.monotonic() + 20
        while _unsynced_ids(index, "granite") != {item.id}:
            assert time.monotonic() < deadline, "the nudged sync did not index the item"
            time.sleep(0.05)
    finally:
        loop.stop()


def test_a_text_file_missing_from_the_store_does_not_stop_the_sync(
    find: Finder, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, "Granite quarries")
    ref = add_text(wiring, item.id, "The lost text mentions basalt.")
    wiring.store.delete(ref.key)
    other = make_item(wiring, collection, "Granite roads")
    assert find.ids("granite") == {item.id, other.id}  # indexed by their metadata
    assert find.ids("basalt") == set() and _behind(wiring) == set()
