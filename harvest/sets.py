"""OAI-PMH sets (section 4.6): communities and collections, resource types, OER and open access.

    <community>               every item of a community (a faculty)
    <community>:<collection>  every item of one collection
    type, type:<type>         items by resource type (type:book, type:thesis, ...)
    oer                       learning resources under an open licence
    openaccess                public items whose full text anyone may download today

A colon marks hierarchy, so harvesting `media` also returns `media:journalism`.
The names `type`, `oer` and `openaccess` are reserved: a community slug equal
to one of them would be shadowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.engine import Connection

from harvest import criteria
from repository.db import records
from repository.db import tables as t
from repository.domain import ITEM_TYPES, Item

RESERVED = ("type", "oer", "openaccess")


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    titles: tuple[tuple[str, str], ...] = ()  # (text, language) for the Dublin Core setDescription
    description: str = ""


_TYPE_NAMES = {
    "article": "Articles",
    "journal": "Journals",
    "journal_issue": "Journal issues",
    "book": "Books",
    "book_chapter": "Book chapters",
    "thesis": "Theses",
    "report": "Reports",
    "course": "Courses",
    "lesson": "Lessons",
    "lecture_slides": "Lecture slides",
    "video": "Videos",
    "audio": "Audio recordings",
    "image": "Images",
    "dataset": "Datasets",
    "other": "Other resources",
}
_TYPE_NAMES_AR = {
    "article": "مقالات",
    "journal": "مجلات",
    "journal_issue": "أعداد المجلات",
    "book": "كتب",
    "book_chapter": "فصول الكتب",
    "thesis": "رسائل جامعية",
    "report": "تقارير",
    "course": "مقررات",
    "lesson": "دروس",
    "lecture_slides": "شرائح المحاضرات",
    "video": "فيديو",
    "audio": "تسجيلات صوتية",
    "image": "صور",
    "dataset": "مجموعات بيانات",
    "other": "موارد أخرى",
}


def list_sets(conn: Connection) -> list[SetInfo]:
    found: list[SetInfo] = []
    collections = records.list_collections(conn)
    for community in records.list_communities(conn):
        if community.id in RESERVED:
            continue
        found.append(
            SetInfo(
                community.id,
                community.name_en,
                ((community.name_en, "en"), (community.name_ar, "ar")),
                community.description,
            )
        )
        for collection in (c for c in collections if c.community_id == community.id):
            found.append(
                SetInfo(
                    collection.set_spec,
                    f"{community.name_en}: {collection.name_en}",
                    ((collection.name_en, "en"), (collection.name_ar, "ar")),
                    collection.description,
                )
            )
    found.append(SetInfo("type", "Resource types", (("Resource types", "en"), ("أنواع المصادر", "ar"))))
    for item_type in ITEM_TYPES:
        names = ((_TYPE_NAMES[item_type], "en"), (_TYPE_NAMES_AR[item_type], "ar"))
        found.append(SetInfo(f"type:{item_type}", _TYPE_NAMES[item_type], names))
    found.append(
        SetInfo(
            "oer",
            "Open educational resources",
            (("Open educational resources", "en"), ("الموارد التعليمية المفتوحة", "ar")),
            "Courses, lessons and other learning resources under an open (Creative Commons) licence.",
        )
    )
    found.append(
        SetInfo(
            "openaccess",
            "Open access",
            (("Open access", "en"), ("الوصول الحر", "ar")),
            "Items whose full text anyone may download, without an embargo.",
        )
    )
    return found


def set_condition(spec: str, today: date) -> ColumnElement[bool]:
    """The SQL condition for membership of a set; a set that does not exist matches nothing."""
    head, _, rest = spec.partition(":")
    if head == "type":
        if not rest:
            return true()
        return criteria.type_sql(rest) if rest in ITEM_TYPES else false()
    if spec == "oer":
        return criteria.oer_sql()
    if spec == "openaccess":
        return criteria.open_access_sql(today)
    if ":" in rest:
        return false()
    query = select(t.collections.c.id).where(t.collections.c.community_id == head)
    if rest:
        query = query.where(t.collections.c.id == rest)
    return t.items.c.collection_id.in_(query)


def set_specs(item: Item, community_of: dict[str, str], today: date) -> list[str]:
    """The sets a record's header names; `community_of` maps collection ids to community ids."""
    specs = []
    community = community_of.get(item.collection_id)
    if community is not None and community not in RESERVED:
        specs += [community, f"{community}:{item.collection_id}"]
    specs.append(f"type:{item.type}")
    if criteria.is_oer(item):
        specs.append("oer")
    if criteria.is_open_access(item, today):
        specs.append("openaccess")
    return specs


def communities_by_collection(conn: Connection) -> dict[str, str]:
    return {row.id: row.community_id for row in conn.execute(select(t.collections.c.id, t.collections.c.community_id))}
