"""Full reindex: rebuilds a lost index, reports progress, resumes where it was interrupted, drops orphans."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from indexer import service
from indexer.documents import IndexDocument
from indexer.ports import Query, SearchIndex
from indexer.sync import reindex, sync
from indexer.tantivy_index import TantivyIndex
from repository.domain import ANONYMOUS
from tests.factories import make_item
from web.wiring import Wiring


class Interrupted(Exception):
    pass


def _all_ids(index: SearchIndex) -> set[str]:
    return {h.id for h in service.search(index, ANONYMOUS, Query(limit=100), cursor_key="k").hits}


def test_a_new_empty_index_is_rebuilt_by_the_sync(wiring: Wiring, collection: str, tmp_path: Path) -> None:
    ids = {make_item(wiring, collection, f"Item {n}").id for n in range(3)}
    sync(wiring.engine, wiring.store, TantivyIndex(tmp_path / "old"))
    fresh = TantivyIndex(tmp_path / "wiped")  # the index directory was lost; the database says all is indexed
    sync(wiring.engine, wiring.store, fresh)
    assert _all_ids(fresh) == ids


def test_reindex_reports_progress_and_resumes_after_an_interruption(
    wiring: Wiring, index: SearchIndex, collection: str
) -> None:
    ids = {make_item(wiring, collection, f"Item {n}").id for n in range(5)}
    calls: list[tuple[int, int]] = []

    def stop_after_first_batch(done: int, total: int) -> None:
        calls.append((done, total))
        if done >= 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        reindex(wiring.engine, wiring.store, index, progress=stop_after_first_batch, batch=2)
    assert calls == [(0, 5), (2, 5)]
    assert "reindex" in index.load_state()

    calls.clear()
    reindex(wiring.engine, wiring.store, index, progress=lambda d, n: calls.append((d, n)), batch=2)
    assert calls == [(2, 5), (4, 5), (5, 5)]  # picked up after the checkpoint
    assert _all_ids(index) == ids
    assert "reindex" not in index.load_state()


def test_reindex_drops_documents_the_database_no_longer_has(
    wiring: Wiring, index: SearchIndex, collection: str
) -> None:
    kept = make_item(wiring, collection, "Kept item").id
    sync(wiring.engine, wiring.store, index)
    with index.writer() as writer:
        writer.upsert([_orphan()])
    assert _all_ids(index) == {kept, "orphan"}
    reindex(wiring.engine, wiring.store, index, restart=True)
    assert _all_ids(index) == {kept}


def _orphan() -> IndexDocument:
    return IndexDocument(
        id="orphan",
        version=1,
        title="Orphan",
        titles=("Orphan",),
        abstract="",
        authors=(),
        contributors=(),
        subjects=(),
        other="",
        parts=(),
        community="",
        collection="",
        type="other",
        language="und",
        year=None,
        date=20200101,
        title_sort="orphan",
        license=None,
        oer=False,
        embargo=0,
    )


def test_reindex_is_idempotent(wiring: Wiring, index: SearchIndex, collection: str) -> None:
    ids = {make_item(wiring, collection, f"Item {n}").id for n in range(3)}
    for _ in range(2):
        report = reindex(wiring.engine, wiring.store, index, restart=True, today=date(2030, 1, 1))
        assert report.indexed == 3
    assert _all_ids(index) == ids and index.count() == 3


def test_an_index_of_an_older_layout_is_dropped_and_rebuilt(wiring: Wiring, collection: str, tmp_path: Path) -> None:
    ids = {make_item(wiring, collection, f"Item {n}").id for n in range(2)}
    old = TantivyIndex(tmp_path / "index")
    sync(wiring.engine, wiring.store, old)
    old.close()
    old.save_state({**old.load_state(), "schema": 0})  # as an index written by an earlier release
    upgraded = TantivyIndex(tmp_path / "index")
    assert upgraded.count() == 0 and "generation" not in upgraded.load_state()
    sync(wiring.engine, wiring.store, upgraded)
    assert _all_ids(upgraded) == ids
