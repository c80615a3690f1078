"""What the public site reads: public items, counts per collection, browse indexes.

Read-only queries for pages and the API. Every listing here applies the same
rule as `Item.metadata_is_public` in SQL (`listed_clause`: published, public,
and — only when the operator set `embargo_hides_metadata` — embargo passed),
so a listing cannot show what a landing page would refuse. Files follow the
stricter `Item.is_public` (`public_clause`): closed until the embargo ends.

Browse indexes (title, author, subject, year, type) need the metadata of all
public items; they come from one cached snapshot that is rebuilt only when an
item changes (every change bumps `items.version` and moves the datestamp) or
the day turns (embargoes lift).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.engine import Connection

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Actor, Collection, Community, Item, Status
from repository.errors import Gone, NotFound
from repository.services.workflow import withdrawal_reason
from repository.settings import Settings

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OTHER = "#"
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None})
_ARTICLES = ("the ", "a ", "an ")


def public_clause(today: date) -> ColumnElement[bool]:
    """`Item.is_public` in SQL: the item and its files are open to anyone."""
    return listed_clause(today, embargo_hides_metadata=True)


def listed_clause(today: date, *, embargo_hides_metadata: bool) -> ColumnElement[bool]:
    """`Item.metadata_is_public` in SQL: anyone may see the record (its files may still be closed)."""
    listed = and_(t.items.c.status == Status.PUBLISHED.value, t.items.c.visibility == "public")
    if not embargo_hides_metadata:
        return listed
    return and_(listed, or_(t.items.c.embargo_until.is_(None), t.items.c.embargo_until <= today))


def readable_item(conn: Connection, item_id: str, actor: Actor, today: date, settings: Settings) -> Item:
    """The item if this actor may see its landing page; NotFound otherwise, so hidden items do not leak."""
    item = records.load_item(conn, item_id)
    if actor.is_staff or item.metadata_is_public(today, settings.embargo_hides_metadata):
        return item
    if item.was_public and item.status in (Status.WITHDRAWN, Status.DELETED):
        reason = withdrawal_reason(conn, item_id) if item.status is Status.WITHDRAWN else None
        raise Gone(f"item {item_id} has been withdrawn from the repository", reason=reason, title=item.title)
    raise NotFound(f"no item {item_id!r}")


def public_items(
    conn: Connection,
    today: date,
    *,
    embargo_hides_metadata: bool,
    collection_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = True,
) -> tuple[list[Item], int]:
    """Items anyone may see listed, embargoed ones included unless the operator hides them."""
    where = listed_clause(today, embargo_hides_metadata=embargo_hides_metadata)
    if collection_id is not None:
        where = and_(where, t.items.c.collection_id == collection_id)
    total = conn.execute(select(func.count()).select_from(t.items).where(where)).scalar_one()
    order = (t.items.c.created.desc(), t.items.c.id) if newest_first else (t.items.c.created, t.items.c.id)
    rows = conn.execute(select(t.items).where(where).order_by(*order).limit(limit).offset(offset))
    return records.load_items(conn, rows), int(total)


def items_by_ids(conn: Connection, ids: list[str]) -> list[Item]:
    if not ids:
        return []
    rows = conn.execute(select(t.items).where(t.items.c.id.in_(ids)))
    by_id = {i.id: i for i in records.load_items(conn, rows)}
    return [by_id[i] for i in ids if i in by_id]


@dataclass(frozen=True)
class CommunityView:
    community: Community
    collections: list[tuple[Collection, int]]

    @property
    def count(self) -> int:
        return sum(n for _, n in self.collections)


def communities_with_counts(conn: Connection, today: date, *, embargo_hides_metadata: bool) -> list[CommunityView]:
    where = listed_clause(today, embargo_hides_metadata=embargo_hides_metadata)
    counts: dict[str, int] = dict(
        conn.execute(select(t.items.c.collection_id, func.count()).where(where).group_by(t.items.c.collection_id)).all()
    )
    collections = records.list_collections(conn)
    return [
        CommunityView(c, [(col, int(counts.get(col.id, 0))) for col in collections if col.community_id == c.id])
        for c in records.list_communities(conn)
    ]


# --- browse indexes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One public item as the browse indexes see it."""

    id: str
    title: str
    title_lang: str | None
    sort_key: str
    creators: tuple[str, ...]
    subjects: tuple[tuple[str, str | None], ...]
    year: str | None
    type: str
    collection_id: str


def sort_key(text: str) -> str:
    """Filing form: case and diacritics folded, Arabic letter variants folded, leading article dropped."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD).lower()
    for article in _ARTICLES:
        if bare.startswith(article):
            return bare[len(article) :].lstrip()
    if bare.startswith("ال") and len(bare) > 3:
        return bare[2:]
    return bare


def letter_of(key: str) -> str:
    first = key[:1].upper()
    return first if first and (first in LATIN_LETTERS or first in ARABIC_LETTERS) else OTHER


def entry_of(row: Any) -> Entry:
    meta: dict[str, Any] = row.metadata
    titles = meta.get("titles") or [{"value": row.id}]
    return Entry(
        id=row.id,
        title=titles[0]["value"],
        title_lang=titles[0].get("lang"),
        sort_key=sort_key(titles[0]["value"]),
        creators=tuple(c["name"] for c in meta.get("creators", [])),
        subjects=tuple((s["value"], s.get("lang")) for s in meta.get("subjects", [])),
        year=(meta.get("date_issued") or "")[:4] or None,
        type=meta.get("type", "other"),
        collection_id=row.collection_id,
    )


class BrowseIndex:
    """The cached snapshot behind the browse pages; safe to share between threads."""

    def __init__(self, *, embargo_hides_metadata: bool = False) -> None:
        self._hides = embargo_hides_metadata
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._entries: list[Entry] = []

    def entries(self, engine: Engine, today: date) -> list[Entry]:
        with reading(engine) as conn:
            stamp = conn.execute(select(func.count(), func.max(t.items.c.datestamp), func.sum(t.items.c.version))).one()
            key = (today, *stamp)
            if key == self._key:
                return self._entries
            rows = conn.execute(
                select(t.items.c.id, t.items.c.collection_id, t.items.c.metadata).where(
                    listed_clause(today, embargo_hides_metadata=self._hides)
                )
            ).all()
        entries = sorted((entry_of(r) for r in rows), key=lambda e: (e.sort_key, e.id))
        with self._lock:
            self._key, self._entries = key, entries
        return entries


def values_of(entries: list[Entry], field: str) -> list[tuple[str, str | None, int]]:
    """(value, language, item count) for the author, subject, year or type index."""
    counts: Counter[tuple[str, str | None]] = Counter()
    for e in entries:
        if field == "author":
            counts.update({(name, None) for name in e.creators})
        elif field == "subject":
            counts.update(set(e.subjects))
        elif field == "year" and e.year:
            counts[(e.year, None)] += 1
        elif field == "type":
            counts[(e.type, None)] += 1
    if field == "year":
        return sorted(((v, lang, n) for (v, lang), n in counts.items()), reverse=True)
    return sorted(((v, lang, n) for (v, lang), n in counts.items()), key=lambda x: (sort_key(x[0]), x[0]))


def entries_with(entries: list[Entry], field: str, value: str) -> list[Entry]:
    if field == "author":
        return [e for e in entries if value in e.creators]
    if field == "subject":
        return [e for e in entries if any(v == value for v, _ in e.subjects)]
    if field == "year":
        return [e for e in entries if e.year == value]
    if field == "type":
        return [e for e in entries if e.type == value]
    raise NotFound(f"no browse index {field!r}")


def related(entries: list[Entry], item: Item, limit: int = 5) -> list[Entry]:
    """Public items sharing the most subjects and authors with this one, then its collection."""
    subjects = {s["value"] for s in item.metadata.get("subjects", [])}
    creators = {c["name"] for c in item.metadata.get("creators", [])}
    scored = []
    for e in entries:
        if e.id == item.id:
            continue
        score = 2 * len(subjects & {v for v, _ in e.subjects}) + 2 * len(creators & set(e.creators))
        score += e.collection_id == item.collection_id
        if score:
            scored.append((-score, e.sort_key, e))
    return [e for _, _, e in sorted(scored, key=lambda x: (x[0], x[1]))[:limit]]
