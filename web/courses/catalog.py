"""What the public course pages read: a course a reader may open, and the open-course listing.

The same rule as every public page (`catalog.public_clause`, `Item.is_public`):
readers see published, public, unembargoed courses and items; staff see all.
The listing shows each course line once, by its newest public edition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from repository.courses.outline import Outline
from repository.courses.service import Attribution, Course, attributions, load_course
from repository.db import records
from repository.db import tables as t
from repository.domain import Actor, Community, Item
from repository.errors import NotFound
from repository.settings import Settings
from web import catalog


def visible(item: Item, actor: Actor, today: date) -> bool:
    return actor.is_staff or item.is_public(today)


def has_course_files(item: Item) -> bool:
    """An item typed "course" with files of its own: a course page can show them, outline or not."""
    return item.type == "course" and bool(item.originals())


def readable_course(conn: Connection, item_id: str, actor: Actor, today: date, settings: Settings) -> Course:
    """The course if this reader may see it; NotFound otherwise (hidden first, so nothing leaks).

    An item typed "course" with files but no outline yet (its package proposed none, or nobody built
    one) reads as a course with an empty outline, so its course page shows its files instead of a 404;
    one with no files at all has nothing to study."""
    item = catalog.readable_item(conn, item_id, actor, today, settings)
    try:
        return load_course(conn, item_id)
    except NotFound:
        if not has_course_files(item):
            raise
        return Course(item, Outline(), edition=1, previous_edition=None, adapted_from=None)


def visible_items(conn: Connection, ids: list[str], actor: Actor, today: date) -> dict[str, Item]:
    """The linked items of an outline this reader may see, by id."""
    return {i.id: i for i in catalog.items_by_ids(conn, list(dict.fromkeys(ids))) if visible(i, actor, today)}


def credits_for(conn: Connection, course: Course, actor: Actor, today: date) -> list[Attribution]:
    """The attribution list, without works the reader may not see (their titles would leak)."""
    shown = visible_items(conn, [r.item_id for r in course.outline.resources() if r.item_id], actor, today)
    return [c for i, c in enumerate(attributions(conn, course)) if i == 0 or c.source in shown]


@dataclass(frozen=True)
class CourseEntry:
    item: Item
    community: Community
    edition: int
    lessons: int

    @property
    def level(self) -> str | None:
        return (self.item.metadata.get("oer") or {}).get("educational_level")

    @property
    def language(self) -> str | None:
        return self.item.metadata.get("language")


def public_courses(conn: Connection, today: date) -> list[CourseEntry]:
    """Every public course line's newest public edition, most recently changed first."""
    rows = conn.execute(
        select(t.items, t.courses.c.edition, t.courses.c.outline, t.courses.c.previous_edition)
        .join(t.courses, t.courses.c.item_id == t.items.c.id)
        .where(catalog.public_clause(today))
        .order_by(t.items.c.datestamp.desc(), t.items.c.id)
    ).all()
    superseded = {r.previous_edition for r in rows if r.previous_edition}
    rows = [r for r in rows if r.id not in superseded]
    collections = {c.id: c for c in records.list_collections(conn)}
    communities = {c.id: c for c in records.list_communities(conn)}
    return [
        CourseEntry(
            item=item,
            community=communities[collections[item.collection_id].community_id],
            edition=row.edition,
            lessons=sum(len(m.get("lessons", [])) for m in row.outline.get("modules", [])),
        )
        for row, item in zip(rows, records.load_items(conn, rows), strict=True)
    ]
