"""What a harvester may see of an item, each rule stated twice side by side: over an `Item` and as SQL.

The SQL form selects rows for list requests page by page; the Python form
decides the same question for one loaded item (GetRecord, a header's
setSpecs). Keeping both forms of a rule next to each other is what keeps
them in agreement; `tests/harvest` checks they do.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select

from repository.db import tables as t
from repository.domain import FileRole, Item, Status, Visibility

LEARNING_TYPES = ("course", "lesson", "lecture_slides")
OPEN_LICENCE_HOST = "creativecommons.org/"  # CC licences and the CC0 / public-domain marks

_type: ColumnElement[str] = t.items.c.metadata["type"].as_string()
_oer: ColumnElement[str] = t.items.c.metadata["oer"].as_string()
_licence_uri: ColumnElement[str] = t.items.c.metadata[("license", "uri")].as_string()


# Only an item that was once public (published with public visibility: `Item.was_public`) is
# harvestable; once it leaves publication it stays visible as a deleted header whatever its
# state, so harvesters learn it is gone. Drafts deleted unpublished and items restricted from the
# start were never public: harvesters never hear of them. Only SQL needs this rule: single
# records are looked up through it too.
def harvestable_sql() -> ColumnElement[bool]:
    return t.items.c.first_published.is_not(None)


# Courses, lessons, lecture slides, and anything described with OER metadata.
def is_learning_resource(item: Item) -> bool:
    return item.type in LEARNING_TYPES or "oer" in item.metadata


def learning_resource_sql() -> ColumnElement[bool]:
    return or_(_type.in_(LEARNING_TYPES), _oer.is_not(None))


# Open educational resources: learning resources under an open (Creative Commons) licence.
def is_oer(item: Item) -> bool:
    uri = (item.metadata.get("license") or {}).get("uri", "")
    return is_learning_resource(item) and OPEN_LICENCE_HOST in uri


def oer_sql() -> ColumnElement[bool]:
    return and_(learning_resource_sql(), _licence_uri.contains(OPEN_LICENCE_HOST, autoescape=True))


# Open access: the full text of a public, unembargoed item can be downloaded by anyone.
def is_open_access(item: Item, today: date) -> bool:
    return item.is_public(today) and bool(item.originals())


def open_access_sql(today: date) -> ColumnElement[bool]:
    return and_(
        t.items.c.status == Status.PUBLISHED.value,
        t.items.c.visibility == Visibility.PUBLIC.value,
        or_(t.items.c.embargo_until.is_(None), t.items.c.embargo_until <= today),
        exists(
            select(t.files.c.id).where(t.files.c.item_id == t.items.c.id, t.files.c.role == FileRole.ORIGINAL.value)
        ),
    )


def type_sql(item_type: str) -> ColumnElement[bool]:
    return _type == item_type
