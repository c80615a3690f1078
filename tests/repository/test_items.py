from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import ANONYMOUS, SYSTEM, Status, Visibility
from repository.errors import Conflict, Forbidden, InvalidInput, InvalidMetadata, NotFound, TooLarge
from repository.services.collections import create_collection
from repository.services.deposit import deposit_item, update_metadata
from repository.services.files import add_file, remove_file
from repository.services.workflow import delete_item, move_item, publish_item, submit_item, withdraw_item
from tests.factories import make_item, metadata
from web.wiring import Wiring


def counts(wiring: Wiring) -> dict[str, int]:
    with reading(wiring.engine) as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("items", t.items),
                ("files", t.files),
                ("jobs", t.ingest_jobs),
                ("versions", t.versions),
                ("identifiers", t.item_identifiers),
            )
        }


def test_deposit_records_a_first_version_and_a_datestamp(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata("مكتبة الجامعة"))
    with reading(wiring.engine) as conn:
        loaded = records.load_item(conn, item.id)
        versions = records.list_versions(conn, item.id)
    assert loaded.status is Status.DRAFT and loaded.title == "مكتبة الجامعة"
    assert loaded.datestamp.microsecond == 0
    assert [(v.number, v.action, v.actor) for v in versions] == [(1, "deposit", "librarian@test")]


def test_workflow_moves_status_and_keeps_history_with_differences(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    submit_item(wiring.uow(), librarian, item.id)
    publish_item(wiring.uow(), librarian, item.id)
    update_metadata(wiring.uow(), librarian, item.id, metadata("A better title"))
    withdraw_item(wiring.uow(), librarian, item.id)
    with reading(wiring.engine) as conn:
        versions = records.list_versions(conn, item.id)
        final = records.load_item(conn, item.id)
    assert [v.action for v in versions] == ["deposit", "submit", "publish", "update", "withdraw"]
    assert versions[3].changes["metadata.titles"]["new"] == [{"value": "A better title", "lang": "en"}]
    assert final.status is Status.WITHDRAWN and final.version == 5


def test_illegal_transition_is_refused_and_changes_nothing(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    before = counts(wiring)
    with pytest.raises(Conflict, match="cannot withdraw"):
        withdraw_item(wiring.uow(), librarian, item.id)
    assert counts(wiring) == before


def test_delete_leaves_a_tombstone(wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection)
    delete_item(wiring.uow(), SYSTEM, item.id)
    with reading(wiring.engine) as conn:
        assert records.load_item(conn, item.id).status is Status.DELETED
    with pytest.raises(Conflict):
        publish_item(wiring.uow(), SYSTEM, item.id)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"type": "article"}, "titles"),
        ({"titles": [{"value": "x"}], "type": "novel"}, "type"),
        ({"titles": [{"value": "x"}], "type": "book", "date_issued": "2020-13"}, "date_issued"),
        ({"titles": [{"value": "x", "lang": "Arabic"}], "type": "book"}, "titles.0.lang"),
        ({"titles": [{"value": "x"}], "type": "book", "colour": "red"}, ""),
    ],
)
def test_invalid_metadata_names_the_field_and_changes_nothing(
    wiring: Wiring, collection: str, librarian, bad: dict, field: str
) -> None:
    before = counts(wiring)
    with pytest.raises(InvalidMetadata) as info:
        deposit_item(wiring.uow(), librarian, collection, bad)
    assert field in info.value.errors
    assert counts(wiring) == before


def test_unknown_collection_is_not_found(wiring: Wiring, collection: str, librarian) -> None:
    before = counts(wiring)
    with pytest.raises(NotFound, match="no collection 'nowhere'"):
        deposit_item(wiring.uow(), librarian, "nowhere", metadata())
    assert counts(wiring) == before


def test_duplicate_doi_is_a_conflict_naming_the_holder(wiring: Wiring, collection: str, librarian) -> None:
    doi = {"identifiers": [{"scheme": "doi", "value": "10.1234/ABC"}]}
    first = deposit_item(wiring.uow(), librarian, collection, metadata(**doi))
    before = counts(wiring)
    with pytest.raises(Conflict, match=first.id):
        deposit_item(
            wiring.uow(),
            librarian,
            collection,
            metadata("Other", identifiers=[{"scheme": "doi", "value": "10.1234/abc"}]),
        )
    assert counts(wiring) == before


def test_anonymous_cannot_deposit(wiring: Wiring, collection: str) -> None:
    with pytest.raises(Forbidden):
        deposit_item(wiring.uow(), ANONYMOUS, collection, metadata())


def test_add_file_stores_bytes_records_digests_and_queues_a_job(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    data = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"
    added = add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(data), "بحث.pdf")
    assert added.job_id is not None
    assert added.file.name == "بحث.pdf" and added.file.mime == "application/pdf"
    assert added.file.sha256 == hashlib.sha256(data).hexdigest()
    assert added.file.md5 == hashlib.md5(data).hexdigest() and added.file.size == len(data)
    with wiring.store.open(added.file.key) as fh:
        assert fh.read().startswith(b"%PDF-1.4")
    with reading(wiring.engine) as conn:
        job = conn.execute(select(t.ingest_jobs)).one()
    assert (job.file_id, job.status) == (added.file.id, "queued")


def test_mime_comes_from_the_bytes_not_the_name(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    added = add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"just some words\n"), "report.pdf")
    assert added.file.mime == "text/plain"


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.pdf", "bad\x07name.pdf", "exe\u202efdp.pdf", "", "a\\b.pdf"])
def test_dangerous_filenames_are_refused_and_change_nothing(
    wiring: Wiring, collection: str, librarian, name: str
) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    before = counts(wiring)
    with pytest.raises(InvalidInput):
        add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"data"), name)
    assert counts(wiring) == before
    assert list(wiring.store.keys()) == []


def test_file_over_the_limit_is_refused_and_nothing_is_stored(wiring: Wiring, collection: str, librarian) -> None:
    item = deposit_item(wiring.uow(), librarian, collection, metadata())
    before = counts(wiring)
    with pytest.raises(TooLarge):
        add_file(wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(b"x" * 5000), "big.txt", max_bytes=4096)
    assert counts(wiring) == before
    assert list(wiring.store.keys()) == []


def test_remove_file_detaches_it_and_records_a_version(wiring: Wiring, collection: str, librarian) -> None:
    item = make_item(wiring, collection, files={"a.txt": b"alpha", "b.txt": b"beta"})
    with reading(wiring.engine) as conn:
        loaded = records.load_item(conn, item.id)
    remove_file(wiring.uow(), librarian, item.id, loaded.files[0].id)
    with reading(wiring.engine) as conn:
        after = records.load_item(conn, item.id)
        versions = records.list_versions(conn, item.id)
    assert [f.name for f in after.files] == ["b.txt"]
    assert versions[-1].action == "remove-file"


def test_move_item_to_another_collection(wiring: Wiring, collection: str, librarian) -> None:
    create_collection(wiring.uow(), SYSTEM, "media", "radio", "Radio", "الإذاعة")
    item = make_item(wiring, collection)
    moved = move_item(wiring.uow(), librarian, item.id, "radio")
    assert moved.collection_id == "radio"
    with pytest.raises(NotFound):
        move_item(wiring.uow(), librarian, item.id, "nowhere")


def test_visibility_rules(wiring: Wiring, collection: str) -> None:
    today = date(2026, 1, 1)
    public = make_item(wiring, collection)
    restricted = make_item(wiring, collection, visibility=Visibility.RESTRICTED)
    draft = make_item(wiring, collection, published=False)
    assert public.is_public(today)
    assert not restricted.is_public(today) and not draft.is_public(today)
    public.embargo_until = date(2026, 6, 1)
    assert not public.is_public(today) and public.metadata_is_public(today)
    assert public.is_public(date(2026, 6, 1))


def test_embargo_end_moves_the_datestamp_once(wiring: Wiring, collection: str, librarian) -> None:
    from datetime import timedelta

    from repository.domain import utcnow
    from repository.services.workflow import lift_expired_embargoes, set_embargo

    item = make_item(wiring, collection)
    end = (utcnow() + timedelta(days=30)).date()
    item = set_embargo(wiring.uow(), librarian, item.id, end)
    assert lift_expired_embargoes(wiring.uow(), end - timedelta(days=1)) == []
    later = utcnow() + timedelta(days=30, seconds=5)
    assert lift_expired_embargoes(wiring.uow(), end, clock=lambda: later) == [item.id]
    assert lift_expired_embargoes(wiring.uow(), end + timedelta(days=1), clock=lambda: later) == []
    with reading(wiring.engine) as conn:
        lifted = records.load_item(conn, item.id)
        versions = records.list_versions(conn, item.id)
    assert lifted.datestamp == later.replace(microsecond=0) and lifted.version == item.version + 1
    assert versions[-1].action == "embargo-lifted"


def test_caption_added_later_requeues_its_recording(wiring: Wiring, collection: str, librarian) -> None:
    from repository.domain import FileRole

    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
    item = make_item(wiring, collection, files={"lecture.mp3": mp3})
    vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nمرحبا\n".encode()
    added = add_file(
        wiring.uow(), wiring.store, librarian, item.id, io.BytesIO(vtt), "lecture.vtt", role=FileRole.CAPTION
    )
    with reading(wiring.engine) as conn:
        rows = conn.execute(select(t.ingest_jobs.c.id, t.ingest_jobs.c.file_id).order_by(t.ingest_jobs.c.id)).all()
    audio = next(f for f in item.files if f.name == "lecture.mp3")
    assert [r.file_id for r in rows] == [audio.id, audio.id] and added.job_id == rows[-1].id


def test_commit_hooks_run_after_a_commit_and_not_after_a_rollback(wiring: Wiring, collection: str, librarian) -> None:
    from repository.db.uow import UnitOfWork

    calls: list[str] = []
    deposit_item(UnitOfWork(wiring.engine, [lambda: calls.append("nudged")]), librarian, collection, metadata())
    with pytest.raises(InvalidMetadata):
        deposit_item(UnitOfWork(wiring.engine, [lambda: calls.append("wrong")]), librarian, collection, {"type": "x"})
    with pytest.raises(NotFound):
        deposit_item(UnitOfWork(wiring.engine, [lambda: calls.append("rolled back")]), librarian, "nowhere", metadata())
    assert calls == ["nudged"]
