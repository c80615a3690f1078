"""The life of an item: submit, publish, withdraw, delete, move, restrict, embargo.

draft ──submit──► review ──publish──► published ──withdraw──► withdrawn
  └──────────────publish──────────────┘   ▲                      │
                                          └──────publish─────────┘
any state ──delete──► deleted (a tombstone; harvesters see status="deleted")

Submitters deposit straight into review (`deposit_item`) and may only submit
their own returned drafts again; publishing and returning are the librarians'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import SYSTEM, Actor, Item, Status, Visibility, utcnow
from repository.errors import Conflict
from repository.services.deposit import require_own_deposit, require_staff
from repository.services.versioning import Clock, record_change, snapshot

ALLOWED = {
    "submit": {Status.DRAFT},
    "publish": {Status.DRAFT, Status.REVIEW, Status.WITHDRAWN},
    "withdraw": {Status.PUBLISHED},
    "return_to_draft": {Status.REVIEW, Status.WITHDRAWN},
    "delete": {Status.DRAFT, Status.REVIEW, Status.PUBLISHED, Status.WITHDRAWN},
}


def _change(
    uow: UnitOfWork,
    actor: Actor,
    item_id: str,
    action: str,
    mutate: Callable[[Item], None],
    clock: Clock,
    events: dict[str, Any] | None = None,
) -> Item:
    if not (actor.is_submitter and action == "submit"):  # a submitter may only send back a returned deposit
        require_staff(actor)
    with uow:
        item = records.load_item(uow.conn, item_id, for_update=True)
        require_own_deposit(uow.conn, actor, item)
        allowed = ALLOWED.get(action)
        if allowed is not None and item.status not in allowed:
            raise Conflict(f"cannot {action.replace('_', ' ')} item {item_id}: it is {item.status.value}")
        if item.status is Status.DELETED:
            raise Conflict(f"item {item_id} is deleted")
        before = snapshot(item)
        mutate(item)
        return record_change(uow.conn, actor, item, before, action, clock, events=events)


def _to(status: Status) -> Callable[[Item], None]:
    def mutate(item: Item) -> None:
        item.status = status

    return mutate


def submit_item(uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow) -> Item:
    return _change(uow, actor, item_id, "submit", _to(Status.REVIEW), clock)


def publish_item(uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow) -> Item:
    return _change(uow, actor, item_id, "publish", _to(Status.PUBLISHED), clock)


def withdraw_item(
    uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow, *, reason: str | None = None
) -> Item:
    """Take a published item out of the repository; its address keeps a tombstone that shows
    `reason` (kept in the item's history). The site and the API require a reason."""
    reason = (reason or "").strip() or None
    events = {REASON: {"old": None, "new": reason}} if reason else None
    return _change(uow, actor, item_id, "withdraw", _to(Status.WITHDRAWN), clock, events)


REASON = "withdrawal_reason"  # the key of a withdrawal's reason among its version's changes


def withdrawal_reason(conn: Connection, item_id: str) -> str | None:
    """The reason given when the item was last withdrawn, if one was."""
    changes = conn.execute(
        select(t.versions.c.changes)
        .where(t.versions.c.item_id == item_id, t.versions.c.action == "withdraw")
        .order_by(t.versions.c.number.desc())
        .limit(1)
    ).scalar()
    reason = (changes or {}).get(REASON, {}).get("new")
    return str(reason) if reason else None


def return_to_draft(uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow, note: str = "") -> Item:
    """Send an item back to draft; `note` (what to fix) is kept in its history for the depositor to read."""
    events = {"review_note": {"old": None, "new": note.strip()}} if note.strip() else None
    return _change(uow, actor, item_id, "return_to_draft", _to(Status.DRAFT), clock, events)


def review_note(conn: Connection, item_id: str) -> str | None:
    """The note of the item's latest return to draft, if it had one."""
    query = (
        select(t.versions.c.changes)
        .where(t.versions.c.item_id == item_id, t.versions.c.action == "return_to_draft")
        .order_by(t.versions.c.number.desc())
        .limit(1)
    )
    changes = conn.execute(query).scalar()
    note = (changes or {}).get("review_note", {}).get("new")
    return str(note) if note else None


def delete_item(uow: UnitOfWork, actor: Actor, item_id: str, clock: Clock = utcnow) -> Item:
    """Leave a tombstone: the row and its history stay, the item vanishes from every public view."""
    return _change(uow, actor, item_id, "delete", _to(Status.DELETED), clock)


def move_item(uow: UnitOfWork, actor: Actor, item_id: str, collection_id: str, clock: Clock = utcnow) -> Item:
    def mutate(item: Item) -> None:
        records.load_collection(uow.conn, collection_id)
        item.collection_id = collection_id

    return _change(uow, actor, item_id, "move", mutate, clock)


def set_visibility(uow: UnitOfWork, actor: Actor, item_id: str, visibility: Visibility, clock: Clock = utcnow) -> Item:
    def mutate(item: Item) -> None:
        item.visibility = visibility

    return _change(uow, actor, item_id, "restrict" if visibility is Visibility.RESTRICTED else "open", mutate, clock)


def set_embargo(uow: UnitOfWork, actor: Actor, item_id: str, until: date | None, clock: Clock = utcnow) -> Item:
    def mutate(item: Item) -> None:
        item.embargo_until = until

    return _change(uow, actor, item_id, "embargo", mutate, clock)


def lift_expired_embargoes(uow: UnitOfWork, today: date, clock: Clock = utcnow) -> list[str]:
    """Record the end of each embargo that ran out since the item last changed.

    An embargo ends by the calendar, not by an edit, so nothing else would move
    the harvest datestamp or mark the item for indexing when its files open.
    Safe to run often: an item whose datestamp is past its embargo end is done.
    """
    with uow:
        query = select(t.items.c.id).where(
            t.items.c.status == Status.PUBLISHED.value,
            t.items.c.embargo_until.is_not(None),
            t.items.c.embargo_until <= today,
        )
        lifted = []
        for item_id in uow.conn.execute(query).scalars().all():
            item = records.load_item(uow.conn, item_id, for_update=True)
            assert item.embargo_until is not None
            if item.datestamp >= datetime.combine(item.embargo_until, time()):
                continue
            before = snapshot(item)
            event = {"embargo": {"old": f"until {item.embargo_until.isoformat()}", "new": "lifted"}}
            record_change(uow.conn, SYSTEM, item, before, "embargo-lifted", clock, events=event)
            lifted.append(item_id)
    return lifted
