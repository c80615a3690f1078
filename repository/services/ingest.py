"""Applying an extraction to the repository: derivatives stored, record filled, item marked for indexing.

`apply_extraction` is what an ingest job writes, in one transaction with
the job's completion. It is idempotent — running a job twice leaves the
same rows: derivatives are matched by role and content, and the record
only changes where it was empty. What a librarian entered is never
overwritten; fields an import filled from the file name (listed in
`item.suggestions["provisional"]`) count as empty. Every extracted value is
also kept in `item.suggestions`, for a librarian to accept later.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from repository.courses import service as courses
from repository.courses.outline import outline_from_package
from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import SYSTEM, FileRef, FileRole, Item, Metadata, utcnow
from repository.errors import InvalidMetadata
from repository.ingest.ports import Extraction
from repository.jobs import queue
from repository.metadata import identifiers_of, validate_metadata
from repository.objects.ports import ObjectStore
from repository.services.batch import PROVISIONAL
from repository.services.files import put_derivative
from repository.services.versioning import Clock, record_change, snapshot

DERIVED_NAME_CHARS = 200


def apply_extraction(
    uow: UnitOfWork,
    store: ObjectStore,
    file_id: int,
    extraction: Extraction,
    *,
    job_id: int | None = None,
    clock: Clock = utcnow,
) -> Item | None:
    """Record what was extracted from file `file_id` (and mark job `job_id` done in the same transaction).

    Returns the item as saved, or None when the file was removed meanwhile.
    Raises StoreUnavailable when a derivative cannot be stored (the job is then retried).
    """
    text = store.put(io.BytesIO(extraction.text.encode("utf-8"))) if extraction.text else None
    thumbnail = store.put(io.BytesIO(extraction.thumbnail.data)) if extraction.thumbnail else None
    searchable = store.put(io.BytesIO(extraction.searchable_pdf)) if extraction.searchable_pdf else None
    with uow:
        conn = uow.conn
        now = clock()
        row = conn.execute(select(t.files).where(t.files.c.id == file_id)).first()
        if row is None:
            if job_id is not None:
                queue.complete(conn, job_id, now)
            return None
        item = records.load_item(conn, row.item_id, for_update=True)
        before, version = snapshot(item), item.version
        source = next(f for f in item.files if f.id == file_id)
        derived = [
            (FileRole.TEXT, text, f"{_stem(source.name)}.txt", "text/plain; charset=utf-8", _text_details(extraction)),
            (FileRole.THUMBNAIL, thumbnail, f"{_stem(source.name)}.thumbnail.jpg", "image/jpeg", {}),
            (FileRole.SEARCHABLE, searchable, f"{_stem(source.name)}.ocr.pdf", "application/pdf", {}),
        ]
        for role, stored, name, mime, details in derived:
            is_text = role is FileRole.TEXT  # the text derivative carries the pages and language found
            put_derivative(
                conn, item, source.id, role, stored, name=name, mime=mime, details=details, now=now,
                page_count=extraction.page_count if is_text else None,
                language=extraction.language if is_text else None,
            )  # fmt: skip
        notes = list(extraction.warnings)
        _fill_metadata(conn, item, extraction.metadata, notes)
        _describe_source(conn, source, extraction, notes)
        events = _course_from_package(conn, item, source, extraction)
        saved = record_change(conn, SYSTEM, item, before, "extract", clock, events=events)
        if saved.version == version:  # nothing a harvester sees changed, but suggestions may have
            records.save_item(conn, saved)
        if job_id is not None:
            queue.complete(conn, job_id, now)
        return saved


def _course_from_package(conn: Connection, item: Item, source: FileRef, extraction: Extraction) -> dict[str, Any]:
    """A course package's organisation becomes the course's outline, ready for review — once:
    after that the outline is the librarians' to edit."""
    tree = extraction.details.get("outline")
    if not tree or item.type != "course" or courses.is_course(conn, item.id):
        return {}
    outline = outline_from_package(tree, source.id)
    courses.insert_course(conn, item.id, outline)
    return {"outline": {"old": None, "new": outline.to_json()}}


def _stem(name: str) -> str:
    return PurePath(name).stem[:DERIVED_NAME_CHARS] or "file"


def _text_details(extraction: Extraction) -> dict[str, Any]:
    return {"page_starts": extraction.page_starts} if extraction.page_starts else {}


def _describe_source(conn: Connection, source: FileRef, extraction: Extraction, notes: list[str]) -> None:
    """The original's row: its detected type, pages, language, and the per-file facts and warnings."""
    details = {"kind": extraction.kind, **extraction.details}
    if notes:
        details["warnings"] = notes
    conn.execute(
        update(t.files)
        .where(t.files.c.id == source.id)
        .values(mime=extraction.mime, page_count=extraction.page_count, language=extraction.language, details=details)
    )


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _fill_metadata(conn: Connection, item: Item, extracted: Metadata, notes: list[str]) -> None:
    """Fill empty (or provisional) fields from `extracted`; keep every extracted value as a suggestion."""
    provisional = set(item.suggestions.get(PROVISIONAL, []))
    merged = dict(item.metadata)
    for field, value in extracted.items():
        if _is_empty(merged.get(field)) or field in provisional:
            merged[field] = value
            provisional.discard(field)
    merged = _without_taken_identifiers(conn, item.id, merged, item.metadata, notes)
    try:
        validate_metadata(merged)
    except InvalidMetadata as exc:
        notes.append(f"extracted metadata not applied: {exc.message}")
        merged, provisional = item.metadata, set(item.suggestions.get(PROVISIONAL, []))
    if identifiers_of(merged) != identifiers_of(item.metadata):
        records.replace_identifiers(conn, item.id, identifiers_of(merged))
    item.metadata = merged
    suggestions = {k: v for k, v in item.suggestions.items() if k != PROVISIONAL}
    suggestions.update(extracted)
    if provisional:
        suggestions[PROVISIONAL] = sorted(provisional)
    item.suggestions = suggestions


def _without_taken_identifiers(
    conn: Connection, item_id: str, merged: Metadata, entered: Metadata, notes: list[str]
) -> Metadata:
    """Drop extracted identifiers another item already holds: they hint at a duplicate, noted for the librarian."""
    if merged.get("identifiers") == entered.get("identifiers"):
        return merged
    kept = []
    for ident in merged.get("identifiers", []):
        pairs = identifiers_of({"identifiers": [ident]})
        holder = records.item_for_identifier(conn, *pairs[0]) if pairs else None
        if holder is not None and holder != item_id:
            notes.append(f"possible duplicate: the {ident['scheme'].upper()} {ident['value']} belongs to item {holder}")
            continue
        kept.append(ident)
    result = dict(merged)
    if kept:
        result["identifiers"] = kept
    else:
        result.pop("identifiers", None)
    return result
