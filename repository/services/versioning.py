"""Recording a change to an item: the diff, the version row, the datestamp and the index mark.

Every service that changes an item ends with `record_change`, so no write
can skip its version history, forget to move the harvest datestamp, or leave
the search index unaware.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from repository.db import records
from repository.domain import Actor, Item, utcnow

Clock = Callable[[], datetime]


def snapshot(item: Item) -> dict[str, Any]:
    """The item's versioned state: what a diff compares."""
    return {
        "collection": item.collection_id,
        "status": item.status.value,
        "visibility": item.visibility.value,
        "embargo_until": item.embargo_until.isoformat() if item.embargo_until else None,
        "files": sorted(f"{f.role.value}:{f.name}:{f.sha256[:12]}" for f in item.files),
        **{f"metadata.{k}": v for k, v in item.metadata.items()},
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = sorted(set(before) | set(after))
    return {k: {"old": before.get(k), "new": after.get(k)} for k in keys if before.get(k) != after.get(k)}


def record_change(
    conn: Connection,
    actor: Actor,
    item: Item,
    before: dict[str, Any],
    action: str,
    clock: Clock = utcnow,
    events: dict[str, Any] | None = None,
) -> Item:
    """Save `item` as a new version if anything changed; return it as saved.

    `events` are changes no field shows, such as an embargo running out.
    """
    changes = {**diff(before, snapshot(item)), **(events or {})}
    if not changes:
        return item
    now = clock()
    # Datestamps never go backwards, even if two changes share a second or the clock steps back.
    item.datestamp = max(now, item.datestamp)
    item.version += 1
    records.save_item(conn, item)
    records.add_version(conn, item.id, item.version, actor.name, action, now, changes)
    return item
