"""Courses: create one, edit its outline, start a new edition, adapt someone else's, check licences.

A course is an item of type "course" plus a row in `courses` holding its
outline and lineage. Outline edits are versioned like any other change.
New editions and adaptations are new draft items that share the original's
stored objects (content addressing makes the copy free) and say where they
came from, both in the `courses` row and as a Dublin Core relation.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from repository.courses.outline import Outline, outline_from_json, outline_from_package
from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, FileRole, Item, Metadata, Status, utcnow
from repository.errors import Conflict, InvalidInput, NotFound
from repository.licenses import Level, License, Verdict, check_inclusion, license_for
from repository.services.deposit import deposit_item, require_staff
from repository.services.versioning import Clock, record_change, snapshot


@dataclass(frozen=True)
class Course:
    item: Item
    outline: Outline
    edition: int
    previous_edition: str | None
    adapted_from: str | None

    @property
    def license(self) -> License:
        return license_for((self.item.metadata.get("license") or {}).get("uri"))


def load_course(conn: Connection, item_id: str) -> Course:
    """The course with its outline; raises NotFound for an unknown id or an item that is no course."""
    item = records.load_item(conn, item_id)
    row = conn.execute(select(t.courses).where(t.courses.c.item_id == item_id)).first()
    if row is None:
        raise NotFound(f"item {item_id} is not a course")
    return Course(item, outline_from_json(row.outline), row.edition, row.previous_edition, row.adapted_from)


def is_course(conn: Connection, item_id: str) -> bool:
    return conn.execute(select(t.courses.c.item_id).where(t.courses.c.item_id == item_id)).first() is not None


def create_course(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    metadata: Metadata,
    outline: Outline | None = None,
    clock: Clock = utcnow,
) -> Item:
    """Deposit a draft course (type forced to "course") with an empty or given outline."""
    metadata = {**metadata, "type": "course"}
    item = deposit_item(uow, actor, collection_id, metadata, clock=clock)
    with uow:
        insert_course(uow.conn, item.id, outline or Outline())
    return item


def insert_course(conn: Connection, item_id: str, outline: Outline) -> None:
    """The course row of a first edition; call inside the transaction that makes the item a course."""
    conn.execute(insert(t.courses).values(item_id=item_id, edition=1, outline=outline.to_json()))


def make_course(uow: UnitOfWork, actor: Actor, item_id: str, outline: Outline, clock: Clock = utcnow) -> None:
    """Give an existing item (an ingested package) its course row, if it has none yet."""
    with uow:
        if is_course(uow.conn, item_id):
            return
        insert_course(uow.conn, item_id, outline)
        item = records.load_item(uow.conn, item_id, for_update=True)
        before = snapshot(item)
        event = {"outline": {"old": None, "new": outline.to_json()}}
        record_change(uow.conn, actor, item, before, "outline", clock, events=event)


def outline_for_package(item: Item) -> Outline | None:
    """The outline an ingested course package proposes (the first original with one)."""
    for f in item.originals():
        tree = f.details.get("outline")
        if tree:
            return outline_from_package(tree, f.id)
    return None


def save_outline(uow: UnitOfWork, actor: Actor, item_id: str, outline: Outline, clock: Clock = utcnow) -> Course:
    """Replace a course's outline. Every file must belong to the course and every linked item must
    exist; a published edition is frozen (start a new edition instead). Raises InvalidInput, Conflict."""
    require_staff(actor)
    with uow:
        course = load_course(uow.conn, item_id)
        if course.item.status is Status.PUBLISHED:
            raise Conflict("a published course is frozen: start a new edition to change it")
        _check_targets(uow.conn, course.item, outline)
        item = records.load_item(uow.conn, item_id, for_update=True)
        before = snapshot(item)
        uow.conn.execute(update(t.courses).where(t.courses.c.item_id == item_id).values(outline=outline.to_json()))
        event = {"outline": {"old": course.outline.to_json(), "new": outline.to_json()}}
        record_change(uow.conn, actor, item, before, "outline", clock, events=event)
        return load_course(uow.conn, item_id)


def _check_targets(conn: Connection, item: Item, outline: Outline) -> None:
    own = {f.id for f in item.files}
    for resource in outline.resources():
        if resource.file_id is not None and resource.file_id not in own:
            raise InvalidInput(f"“{resource.title}”: file {resource.file_id} is not one of this course's files")
        if resource.item_id is not None:
            if resource.item_id == item.id:
                raise InvalidInput(f"“{resource.title}”: a course cannot include itself")
            if not records.item_exists(conn, resource.item_id):
                raise InvalidInput(f"“{resource.title}”: there is no item {resource.item_id}")


@dataclass(frozen=True)
class LicenseCheck:
    item_id: str
    title: str
    license: License
    verdict: Verdict


def check_licenses(conn: Connection, course: Course) -> list[LicenseCheck]:
    """A verdict for every item the course links to, worst first."""
    checks = []
    for resource in course.outline.resources():
        if resource.item_id is None:
            continue
        linked = records.load_item(conn, resource.item_id)
        lic = license_for((linked.metadata.get("license") or {}).get("uri"))
        checks.append(
            LicenseCheck(linked.id, linked.title, lic, check_inclusion(lic, course.license, adapted=resource.adapted))
        )
    order = {Level.INCOMPATIBLE: 0, Level.WARNING: 1, Level.OK: 2}
    return sorted(checks, key=lambda c: order[c.verdict.level])


@dataclass(frozen=True)
class Attribution:
    title: str
    authors: list[str]
    source: str  # item id or file name
    license: License


def attributions(conn: Connection, course: Course) -> list[Attribution]:
    """Title, authors, source and licence of the course and of everything it includes, in outline order."""
    seen: set[str] = set()
    found = [_attribution(course.item, course.item.id)]
    for resource in course.outline.resources():
        if resource.item_id and resource.item_id not in seen:
            seen.add(resource.item_id)
            found.append(_attribution(records.load_item(conn, resource.item_id), resource.item_id))
    return found


def _attribution(item: Item, source: str) -> Attribution:
    authors = [p["name"] for p in item.metadata.get("creators", [])]
    return Attribution(item.title, authors, source, license_for((item.metadata.get("license") or {}).get("uri")))


def new_edition(uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow) -> Item:
    """A draft copy of a published course as its next edition; the published one stays as it is."""
    with uow:
        course = load_course(uow.conn, item_id)
    if course.item.status is not Status.PUBLISHED:
        raise Conflict("only a published course gets a new edition; edit this one directly")
    return _copy(uow, actor, course, relation="isVersionOf", edition=course.edition + 1, clock=clock,
                 previous_edition=course.item.id)  # fmt: skip


def adapt_course(
    uow: UnitOfWork, actor: Actor, item_id: str, collection_id: str | None = None, clock: Clock = utcnow
) -> Item:
    """ "Adapt this course": a new draft course (edition 1) that records which course it came from."""
    with uow:
        course = load_course(uow.conn, item_id)
    return _copy(uow, actor, course, relation="isBasedOn", edition=1, clock=clock, adapted_from=course.item.id,
                 collection_id=collection_id)  # fmt: skip


def _copy(
    uow: UnitOfWork,
    actor: Actor,
    course: Course,
    *,
    relation: str,
    edition: int,
    clock: Clock,
    previous_edition: str | None = None,
    adapted_from: str | None = None,
    collection_id: str | None = None,
) -> Item:
    metadata: dict[str, Any] = copy.deepcopy(course.item.metadata)
    metadata.pop("identifiers", None)  # a DOI or handle names the original, not the copy
    relations = [r for r in metadata.get("relations", []) if r["type"] not in ("isVersionOf", "isBasedOn")]
    metadata["relations"] = [*relations, {"type": relation, "target": course.item.id, "label": course.item.title}]
    new = deposit_item(
        uow, actor, collection_id or course.item.collection_id, metadata,
        visibility=course.item.visibility, clock=clock,
    )  # fmt: skip
    with uow:
        file_ids: dict[int, int] = {}
        for f in course.item.files:
            if f.role is FileRole.ORIGINAL or f.role is FileRole.CAPTION:
                copied = records.insert_file(
                    uow.conn, item_id=new.id, name=f.name, size=f.size, sha256=f.sha256, md5=f.md5, mime=f.mime,
                    role=f.role.value, key=f.key, created=clock(), page_count=f.page_count, language=f.language,
                    details=f.details,
                )  # fmt: skip
                file_ids[f.id] = copied.id
        outline = outline_from_json(course.outline.to_json())
        for resource in outline.resources():
            if resource.file_id is not None:
                resource.file_id = file_ids[resource.file_id]
        uow.conn.execute(
            insert(t.courses).values(
                item_id=new.id, edition=edition, outline=outline.to_json(),
                previous_edition=previous_edition, adapted_from=adapted_from,
            )
        )  # fmt: skip
        item = records.load_item(uow.conn, new.id, for_update=True)
        before = snapshot(item)
        item.files = records.load_files(uow.conn, [new.id]).get(new.id, [])
        event = {"copied-from": {"old": None, "new": course.item.id}}
        return record_change(uow.conn, actor, item, before, "edition" if previous_edition else "adapt", clock, event)


def editions(conn: Connection, item_id: str) -> list[tuple[int, str]]:
    """Every edition of the course line this item belongs to, as (edition, item id), oldest first."""
    chain = []
    current: str | None = item_id
    while current is not None:  # walk back to the first edition
        row = conn.execute(select(t.courses).where(t.courses.c.item_id == current)).first()
        if row is None:
            break
        chain.append((row.edition, row.item_id))
        current = row.previous_edition
    later = item_id
    while True:  # and forward to the newest
        row = conn.execute(select(t.courses).where(t.courses.c.previous_edition == later)).first()
        if row is None:
            break
        chain.append((row.edition, row.item_id))
        later = row.item_id
    return sorted(set(chain))


PACKAGE_KINDS = ("scorm12", "scorm2004", "imscc")


def lesson_for_hit(conn: Connection, item_id: str, file_id: int | None, page: int | None) -> tuple[int, str] | None:
    """The lesson (number, title) a search hit in a course's text came from, when it can be told.

    A hit carries the file its text came from and, for a package, the page of
    that text, which the course extractor lined up with the package's pages.
    """
    if file_id is None or not is_course(conn, item_id):
        return None
    course = load_course(conn, item_id)
    source = next((f for f in course.item.files if f.id == file_id), None)
    if source is None:
        return None
    href = None
    hrefs = source.details.get("page_hrefs") or []
    if source.details.get("kind") in PACKAGE_KINDS and page is not None and 0 < page <= len(hrefs):
        href = hrefs[page - 1]
    number = course.outline.lesson_for(file_id, href)
    if number is None:
        return None
    return number, course.outline.lesson(number)[1].title
