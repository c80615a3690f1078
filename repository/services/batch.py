"""Batch import: a folder of files, or a CSV sheet of metadata with file paths.

The whole batch is checked before anything is written — every row's
metadata against the schema, every file's presence, size and name, every
row's collection, every DOI, ISBN and handle against the other rows and the
database — so a sheet with bad rows is refused whole with one list of all
its problems. Re-running an
import skips what is already there: an item with the sheet's `id`, or any
item already holding a file with the same sha256.

Where a sheet's file paths may point is the caller's explicit choice: a sheet
uploaded through the web is `confined` — every path must resolve (symlinks
followed) inside the sheet's own folder, and a path outside answers exactly
like a missing file, so the sheet cannot probe the server's disk. The
operator's `mawrid import` is not confined: it names local paths on purpose.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from repository.db import records
from repository.db.uow import UnitOfWork, reading
from repository.domain import Actor, FileRole, Metadata, Status, Visibility
from repository.errors import InvalidInput, InvalidMetadata, MawridError, NotFound
from repository.filenames import check_filename
from repository.metadata import identifiers_of, validate_metadata
from repository.objects.ports import CHUNK, ObjectStore
from repository.services.collections import create_collection, create_community
from repository.services.deposit import check_item_id
from repository.services.files import NewFile, deposit_with_files
from repository.services.workflow import publish_item

if TYPE_CHECKING:
    from repository.jobs.queue import RunSummary

SHEET_NAME = "metadata.csv"
SEPARATOR = "|"  # between the values of a many-valued column
COLUMNS = (
    "id", "collection", "files", "title", "title_lang", "creators", "contributors", "subjects", "abstract", "language",
    "date_issued", "publisher", "type", "doi", "isbn", "issn", "handle", "license_uri", "license_label",
    "rights", "visibility", "embargo_until",
)  # fmt: skip
CAPTION_SUFFIXES = {".vtt", ".srt"}
IGNORED = {".DS_Store", "Thumbs.db", SHEET_NAME}
# Fields filled from the file name only: extraction may replace them with the document's own metadata.
PROVISIONAL = "provisional"


@dataclass
class Entry:
    """One item to import: its metadata and its files."""

    label: str  # the sheet row or path, for messages
    metadata: Metadata
    files: list[Path]
    item_id: str | None = None
    visibility: Visibility = Visibility.PUBLIC
    embargo_until: date | None = None
    provisional: list[str] = field(default_factory=list)
    collection_id: str | None = None  # the sheet's own column, else the import's collection


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # item ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    jobs: list[int] = field(default_factory=list)


def sheet_template() -> str:
    """A CSV sheet with the documented columns and one example row, for librarians to fill in."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([
        "", "", "thesis.pdf", "إدارة المكتبات الرقمية", "ar", "أحمد خليل|Sara Haddad", "", "مكتبات|Digital libraries",
        "ملخص قصير", "ar", "2024-06", "Al-Quds Open University", "thesis", "", "", "", "",
        "https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0", "", "public", "",
    ])  # fmt: skip
    return out.getvalue()


def read_sheet(path: Path, *, confined: bool, problems: list[str] | None = None) -> list[Entry]:
    """Entries from a CSV sheet; relative file paths are relative to the sheet's folder.

    `confined` keeps every file inside that folder (no absolute paths, no `..`,
    no symlinks out). A row's problems are added to `problems` when it is given
    (so `import_entries` can list them with the later checks' problems), else
    raised at once as one InvalidInput listing every problem.
    """
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the sheet {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or []) - set(COLUMNS)
    if unknown:
        raise InvalidInput(f"{path.name}: unknown columns {', '.join(sorted(unknown))}; expected {', '.join(COLUMNS)}")
    entries, found = [], []
    for n, row in enumerate(reader, start=2):
        try:
            entries.append(_entry_from_row(row, path.parent, f"{path.name} row {n}", confined))
        except MawridError as exc:
            found.append(exc.message)
    if problems is not None:
        problems.extend(found)
    elif found:
        raise _refused(found)
    return entries


def _refused(problems: list[str]) -> InvalidInput:
    return InvalidInput("the batch has problems; nothing was imported:\n" + "\n".join(problems))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(SEPARATOR) if v.strip()]


def _entry_from_row(row: dict[str, str], base: Path, label: str, confined: bool) -> Entry:
    row = {k: (v or "").strip() for k, v in row.items() if k}
    names = _split(row.get("files"))
    files = [_confined_file(base, name, label) for name in names] if confined else [base / f for f in names]
    provisional = []
    title = row.get("title") or (files[0].stem if files else "")
    if not row.get("title"):
        provisional.append("titles")
    md: dict[str, Any] = {"titles": [_lang_string(title, row.get("title_lang"))] if title else []}
    md["type"] = row.get("type") or "other"
    if not row.get("type"):
        provisional.append("type")
    for column, key in (("creators", "creators"), ("contributors", "contributors")):
        if names := _split(row.get(column)):
            md[key] = [{"name": n} for n in names]
    if subjects := _split(row.get("subjects")):
        md["subjects"] = [{"value": s} for s in subjects]
    if row.get("abstract"):
        md["abstracts"] = [_lang_string(row["abstract"], row.get("language"))]
    for key in ("language", "date_issued", "publisher", "rights"):
        if row.get(key):
            md[key] = row[key]
    identifiers = [{"scheme": s, "value": v} for s in ("doi", "isbn", "issn", "handle") for v in _split(row.get(s))]
    if identifiers:
        md["identifiers"] = identifiers
    if row.get("license_uri"):
        md["license"] = {
            "uri": row["license_uri"],
            **({"label": row["license_label"]} if row.get("license_label") else {}),
        }
    try:
        validate_metadata(md)
    except InvalidMetadata as exc:
        raise InvalidInput(f"{label}: {exc.message}") from exc
    try:
        visibility = Visibility(row.get("visibility") or "public")
    except ValueError as exc:
        raise InvalidInput(f"{label}: visibility must be public or restricted") from exc
    try:
        embargo = date.fromisoformat(row["embargo_until"]) if row.get("embargo_until") else None
    except ValueError as exc:
        raise InvalidInput(f"{label}: embargo_until must be a date YYYY-MM-DD") from exc
    item_id = check_item_id(row["id"]) if row.get("id") else None
    return Entry(label, md, files, item_id, visibility, embargo, provisional, row.get("collection") or None)


def _confined_file(base: Path, name: str, label: str) -> Path:
    """The file `name` inside `base`, resolved; the same error whether it is missing or outside,
    so a sheet cannot tell which paths exist on the server."""
    missing = InvalidInput(f"{label}: no file {name!r} among the uploaded files")
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise missing
    root = base.resolve()
    try:
        resolved = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a symlink loop
        raise missing from exc
    if not resolved.is_relative_to(root) or not resolved.is_file():
        raise missing
    return resolved


def _lang_string(value: str, lang: str | None) -> dict[str, str]:
    return {"value": value, **({"lang": lang} if lang else {})}


def read_folder(folder: Path, *, confined: bool, problems: list[str] | None = None) -> list[Entry]:
    """A folder with metadata.csv is a sheet; otherwise one item per file and one per subfolder
    (whose own metadata.csv, if any, gives its metadata in a single row). `confined` and `problems`
    as for `read_sheet`."""
    if (folder / SHEET_NAME).is_file():
        return read_sheet(folder / SHEET_NAME, confined=confined, problems=problems)
    entries: list[Entry] = []
    for path in sorted(folder.iterdir()):
        if path.name in IGNORED or path.name.startswith("."):
            continue
        if path.is_file():
            entries.append(_entry_for_files(path.name, [path]))
        elif path.is_dir():
            if (path / SHEET_NAME).is_file():
                found: list[str] = []
                sheet = read_sheet(path / SHEET_NAME, confined=confined, problems=found)
                if found and problems is not None:
                    problems.extend(found)
                    continue
                if found:
                    raise _refused(found)
                if len(sheet) != 1:
                    raise InvalidInput(f"{path / SHEET_NAME}: a subfolder's sheet must have exactly one row")
                entry = sheet[0]
                if not entry.files:
                    entry.files = _files_in(path)
                entries.append(entry)
            else:
                entries.append(_entry_for_files(path.name, _files_in(path)))
    return entries


def _files_in(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if p.is_file() and p.name not in IGNORED and not p.name.startswith(".")]


def _entry_for_files(label: str, files: list[Path]) -> Entry:
    title = Path(label).stem.replace("_", " ").strip() or label
    return Entry(label, {"titles": [{"value": title}], "type": "other"}, files, provisional=["titles", "type"])


def check_entries(
    uow: UnitOfWork, entries: list[Entry], collection_id: str, problems: list[str] | None = None
) -> list[str | None]:
    """Check the whole batch before anything is written; for each entry, why it is already there (or None).

    Raises NotFound when the import's own collection does not exist, else one InvalidInput listing
    `problems` (a sheet's row problems) and every problem found here: missing, empty or badly named
    files, a row's unknown collection, a DOI, ISBN or handle repeated between rows or already held
    by another item.
    """
    found = list(problems or [])
    with reading(uow.engine) as conn:
        records.load_collection(conn, collection_id)
        known: dict[str, bool] = {collection_id: True}
        claimed: dict[tuple[str, str], str] = {}  # identifier → the label of the first row claiming it
        already: list[str | None] = []
        for entry in entries:
            files_ok = _check_files(entry, found)
            wanted = entry.collection_id
            if wanted and wanted not in known:
                known[wanted] = _collection_exists(conn, wanted)
            if wanted and not known[wanted]:
                found.append(f"{entry.label}: no collection {wanted!r}")
            why = _already_there(conn, entry) if files_ok else None
            already.append(why)
            if why:
                continue
            for scheme, value in identifiers_of(entry.metadata):
                first = claimed.setdefault((scheme, value), entry.label)
                holder = records.item_for_identifier(conn, scheme, value)
                if holder is not None:
                    found.append(f"{entry.label}: the {scheme.upper()} {value} already belongs to item {holder}")
                elif first != entry.label:
                    found.append(f"{entry.label}: the {scheme.upper()} {value} is also in {first}")
    if found:
        raise _refused(found)
    return already


def _collection_exists(conn: Connection, collection_id: str) -> bool:
    try:
        records.load_collection(conn, collection_id)
    except NotFound:
        return False
    return True


def _check_files(entry: Entry, problems: list[str]) -> bool:
    """Every file of the entry present, non-empty and well named; True if so."""
    before = len(problems)
    if not entry.files:
        problems.append(f"{entry.label}: no files")
    for path in entry.files:
        try:
            check_filename(path.name)
        except InvalidInput as exc:
            problems.append(f"{entry.label}: {exc.message}")
        if not path.is_file():
            problems.append(f"{entry.label}: file not found: {path}")
        elif path.stat().st_size == 0:
            problems.append(f"{entry.label}: {path.name} is empty (0 bytes)")
    return len(problems) == before


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def import_entries(
    uow: UnitOfWork,
    store: ObjectStore,
    actor: Actor,
    entries: list[Entry],
    collection_id: str,
    *,
    publish: bool = True,
    max_bytes: int | None = None,
    progress: Callable[[str], None] | None = None,
    problems: list[str] | None = None,
) -> ImportResult:
    """Deposit each entry with its files (queueing their ingest jobs), skipping what is already there.

    Nothing is written unless the whole batch passes `check_entries` (which also lists `problems`,
    those `read_sheet` collected).
    """
    already = check_entries(uow, entries, collection_id, problems)
    result = ImportResult()
    for entry, why in zip(entries, already, strict=True):
        if why:
            result.skipped.append((entry.label, why))
        else:
            # Captions first, as a librarian would add them; one transaction holds the item and its files,
            # so an interrupted import leaves whole items only, and a re-run skips them.
            paths = sorted(entry.files, key=lambda p: _role(p, entry) is not FileRole.CAPTION)
            with ExitStack() as opened:
                files = [
                    NewFile(opened.enter_context(open(path, "rb")), path.name, _role(path, entry), path.stat().st_size)
                    for path in paths
                ]
                deposited = deposit_with_files(
                    uow,
                    store,
                    actor,
                    entry.collection_id or collection_id,
                    entry.metadata,
                    files,
                    status=Status.PUBLISHED if publish else Status.DRAFT,
                    visibility=entry.visibility,
                    embargo_until=entry.embargo_until,
                    item_id=entry.item_id,
                    suggestions={PROVISIONAL: entry.provisional} if entry.provisional else None,
                    max_bytes=max_bytes,
                )
            result.jobs.extend(deposited.job_ids)
            result.created.append(deposited.item.id)
        if progress:
            progress(entry.label)
    return result


def publish_after_ingest(
    uow: UnitOfWork, actor: Actor, item_ids: list[str], summary: RunSummary, *, anyway: bool = False
) -> list[str]:
    """Publish the imported drafts whose files all ingested without a warning; return the ids left as drafts.

    A failed job or a warned file (encrypted, damaged, needs OCR, suspicious type…) keeps its item a draft
    for a librarian to look at, unless `anyway`.
    """
    attention = set() if anyway else summary.needing_attention()
    for item_id in item_ids:
        if item_id not in attention:
            publish_item(uow, actor, item_id)
    return [i for i in item_ids if i in attention]


def _role(path: Path, entry: Entry) -> FileRole:
    """Caption files beside a recording are its captions, not items of their own."""
    if path.suffix.lower() in CAPTION_SUFFIXES and any(p.suffix.lower() not in CAPTION_SUFFIXES for p in entry.files):
        return FileRole.CAPTION
    return FileRole.ORIGINAL


def _already_there(conn: Connection, entry: Entry) -> str | None:
    if entry.item_id and records.item_exists(conn, entry.item_id):
        return f"item {entry.item_id} already exists"
    for path in entry.files:
        holder = records.item_holding(conn, sha256_of(path))
        if holder:
            return f"{path.name} is already in item {holder}"
    return None


DEFAULT_COMMUNITY = ("general", "General", "عام")
DEFAULT_COLLECTION = ("imported", "Imported", "مستورد")


def default_collection(uow: UnitOfWork, actor: Actor) -> str:
    """The collection for an import that names none: "Imported", in the community "General", made when missing."""
    with reading(uow.engine) as conn:
        communities = {c.id for c in records.list_communities(conn)}
        collections = {c.id for c in records.list_collections(conn)}
    community, collection = DEFAULT_COMMUNITY[0], DEFAULT_COLLECTION[0]
    if community not in communities:
        create_community(uow, actor, *DEFAULT_COMMUNITY)
    if collection not in collections:
        create_collection(uow, actor, community, *DEFAULT_COLLECTION)
    return collection
