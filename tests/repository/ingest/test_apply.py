"""apply_extraction: derivatives stored, empty fields filled, librarian's values kept, idempotent."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import FileRole, Item, JobStatus
from repository.ingest.extract import extract_file
from repository.jobs import queue as jobs
from repository.services.batch import PROVISIONAL
from repository.services.deposit import deposit_item
from repository.services.files import add_file, remove_file
from repository.services.ingest import apply_extraction
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.repository.ingest import builders
from web.wiring import Wiring

PAPER = builders.pdf(
    [["Page one of the study, DOI 10.4321/qou.2024.7"], ["Page two of the study"]],
    title="Extracted title",
    author="Sara Haddad",
    keywords="libraries",
)


def rows(wiring: Wiring) -> dict[str, Any]:
    with reading(wiring.engine) as conn:
        files = conn.execute(
            select(t.files.c.role, t.files.c.name, t.files.c.sha256, t.files.c.details).order_by(t.files.c.id)
        ).all()
        versions = conn.execute(select(func.count()).select_from(t.versions)).scalar_one()
    return {"files": [tuple(r) for r in files], "versions": versions}


def load(wiring: Wiring, item_id: str) -> Item:
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item_id)


def apply_to_original(wiring: Wiring, item: Item, data: bytes, name: str) -> Item:
    original = next(f for f in load(wiring, item.id).files if f.name == name)
    result = extract_file(io.BytesIO(data), name)
    saved = apply_extraction(wiring.uow(), wiring.store, original.id, result)
    assert saved is not None
    return saved


def test_extraction_fills_empty_fields_keeps_entered_ones_and_stores_derivatives(
    wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, "Librarian's title", published=False, files={"study.pdf": PAPER})
    before = load(wiring, item.id)
    saved = apply_to_original(wiring, item, PAPER, "study.pdf")
    assert saved.metadata["titles"] == [{"value": "Librarian's title", "lang": "en"}]  # entered: kept
    assert saved.metadata["creators"] == [{"name": "Sara Haddad"}]  # empty: filled
    assert saved.metadata["identifiers"] == [{"scheme": "doi", "value": "10.4321/qou.2024.7"}]
    assert saved.suggestions["titles"] == [{"value": "Extracted title", "lang": "en"}]  # kept to accept later
    assert saved.version == before.version + 1  # marked for (re)indexing
    item = load(wiring, item.id)
    original = next(f for f in item.files if f.role is FileRole.ORIGINAL)
    text = next(f for f in item.files if f.role is FileRole.TEXT)
    thumb = next(f for f in item.files if f.role is FileRole.THUMBNAIL)
    assert original.page_count == 2 and original.details["kind"] == "pdf"
    assert text.source_file_id == original.id and thumb.source_file_id == original.id
    assert text.details["page_starts"][0] == 0 and len(text.details["page_starts"]) == 2
    with wiring.store.open(text.key) as fh:
        stored = fh.read().decode()
    assert stored[text.details["page_starts"][1] :].startswith("Page two")
    assert thumb.mime == "image/jpeg"
    with reading(wiring.engine) as conn:
        assert records.item_for_identifier(conn, "doi", "10.4321/qou.2024.7") == item.id


def test_running_a_job_twice_gives_the_same_record(wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, files={"study.pdf": PAPER})
    apply_to_original(wiring, item, PAPER, "study.pdf")
    first, first_item = rows(wiring), load(wiring, item.id)
    apply_to_original(wiring, item, PAPER, "study.pdf")
    assert rows(wiring) == first
    again = load(wiring, item.id)
    assert (again.metadata, again.suggestions, again.version) == (
        first_item.metadata,
        first_item.suggestions,
        first_item.version,
    )


def test_provisional_fields_from_an_import_are_replaced_by_the_documents_own(wiring: Wiring, collection: str) -> None:
    md = {"titles": [{"value": "study"}], "type": "other"}
    item = deposit_item(wiring.uow(), LIBRARIAN, collection, md, suggestions={PROVISIONAL: ["titles", "type"]})
    epub = builders.epub(title="The real title", chapters=[("c", "<p>Chapter text of the real book.</p>")])
    add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(epub), "study.epub")
    saved = apply_to_original(wiring, item, epub, "study.epub")
    assert saved.metadata["titles"] == [{"value": "The real title", "lang": "en"}]
    assert saved.metadata["type"] == "book"
    assert PROVISIONAL not in saved.suggestions


def test_plain_text_first_line_titles_an_imported_file(wiring: Wiring, collection: str) -> None:
    item = deposit_item(
        wiring.uow(), LIBRARIAN, collection, {"titles": [{"value": "notes"}], "type": "other"},
        suggestions={PROVISIONAL: ["titles", "type"]},
    )  # fmt: skip
    data = b"Minutes of the library board\nThe board met on Monday."
    add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(data), "notes.txt")
    saved = apply_to_original(wiring, item, data, "notes.txt")
    assert saved.metadata["titles"] == [{"value": "Minutes of the library board", "lang": "en"}]
    assert saved.suggestions[PROVISIONAL] == ["type"]  # nothing better than "other" was found


def test_an_identifier_another_item_holds_is_noted_as_a_possible_duplicate(wiring: Wiring, collection: str) -> None:
    make_item(wiring, collection, "First copy", identifiers=[{"scheme": "doi", "value": "10.4321/qou.2024.7"}])
    item = make_item(wiring, collection, "Second copy", files={"study.pdf": PAPER})
    saved = apply_to_original(wiring, item, PAPER, "study.pdf")
    assert "identifiers" not in saved.metadata
    original = next(f for f in load(wiring, item.id).files if f.role is FileRole.ORIGINAL)
    assert any(w.startswith("possible duplicate: the DOI 10.4321/qou.2024.7") for w in original.details["warnings"])


def test_a_file_removed_before_its_extraction_is_applied_gets_nothing_recorded(wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, files={"a.txt": b"some words", "b.txt": b"other words"})
    [removed] = [f for f in item.files if f.name == "a.txt"]
    with reading(wiring.engine) as conn:
        [job] = [v.job for v in jobs.list_jobs(conn, item_id=item.id) if v.job.file_id == removed.id]
    remove_file(wiring.uow(), LIBRARIAN, item.id, removed.id)
    after_removal, before = load(wiring, item.id), rows(wiring)
    result = extract_file(io.BytesIO(b"some words"), "a.txt")

    assert apply_extraction(wiring.uow(), wiring.store, removed.id, result, job_id=job.id) is None
    assert rows(wiring) == before  # no derivative rows, no version
    saved = load(wiring, item.id)
    assert saved.version == after_removal.version and [f.name for f in saved.files] == ["b.txt"]
    assert (saved.metadata, saved.suggestions) == (after_removal.metadata, after_removal.suggestions)
    with reading(wiring.engine) as conn:  # its job went with the file; the other file's is still queued
        assert [(v.file_name, v.job.status) for v in jobs.list_jobs(conn, item_id=item.id)] == [
            ("b.txt", JobStatus.QUEUED)
        ]
