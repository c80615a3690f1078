"""Export items as BagIt bags, and restore them: archiving, hand-over and moving between deployments.

A bag holds the original files, `metadata.json` (the whole record: status,
visibility, embargo, metadata, file digests) and a Dublin Core XML rendering.
`restore_bag` reads one back with its identifier, so an embedded repository
moves onto PostgreSQL + S3 by exporting everything and importing the bags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.domain import Actor, FileRole, Item, Status, Visibility
from repository.errors import Conflict, InvalidInput
from repository.filenames import check_filename
from repository.objects.ports import CHUNK, ObjectStore
from repository.services.collections import create_collection, create_community
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.services.versioning import record_change, snapshot

DublinCore = Callable[[Item], bytes]
FORMAT = "mawrid-bag/1"
STRUCTURE = "structure.json"  # beside the bags: the communities and collections to restore first


def item_record(item: Item) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": item.id,
        "collection": item.collection_id,
        "status": item.status.value,
        "visibility": item.visibility.value,
        "embargo_until": item.embargo_until.isoformat() if item.embargo_until else None,
        "created": item.created.isoformat(),
        "datestamp": item.datestamp.isoformat(),
        "metadata": item.metadata,
        "files": [
            {
                "name": f.name,
                "path": f"files/{f.name}",
                "sha256": f.sha256,
                "md5": f.md5,
                "size": f.size,
                "mime": f.mime,
            }
            for f in item.originals()
        ],
    }


def export_item(item: Item, store: ObjectStore, dest: Path, dublin_core: DublinCore, organisation: str) -> Path:
    """Write one item as a bag in dest/<item id>; raises Conflict if that folder exists."""
    bag_dir = dest / item.id
    if bag_dir.exists():
        raise Conflict(f"{bag_dir} already exists")
    (bag_dir / "files").mkdir(parents=True)
    for f in item.originals():
        with store.open(f.key) as src, open(bag_dir / "files" / f.name, "wb") as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)
    (bag_dir / "metadata.json").write_text(json.dumps(item_record(item), ensure_ascii=False, indent=2), "utf-8")
    (bag_dir / "dublin_core.xml").write_bytes(dublin_core(item))
    bagit.make_bag(
        str(bag_dir),
        bag_info={
            "Source-Organization": organisation,
            "External-Identifier": item.id,
            "External-Description": item.title[:200],
        },
        checksums=["sha256", "md5"],
    )
    return bag_dir


def export_structure(engine: Any, dest: Path) -> Path:
    """Communities and collections, so a restore can recreate them first."""
    with reading(engine) as conn:
        structure = {
            "communities": [asdict(c) for c in records.list_communities(conn)],
            "collections": [asdict(c) for c in records.list_collections(conn)],
        }
    path = dest / STRUCTURE
    path.write_text(json.dumps(structure, ensure_ascii=False, indent=2), "utf-8")
    return path


def restore_structure(uow: UnitOfWork, actor: Actor, path: Path) -> None:
    structure = json.loads(path.read_text("utf-8"))
    with reading(uow.engine) as conn:
        have_comm = {c.id for c in records.list_communities(conn)}
        have_coll = {c.id for c in records.list_collections(conn)}
    for c in structure["communities"]:
        if c["id"] not in have_comm:
            create_community(
                uow, actor, c["id"], c["name_en"], c["name_ar"], c["description"], c.get("description_ar", "")
            )
    for c in structure["collections"]:
        if c["id"] not in have_coll:
            create_collection(
                uow,
                actor,
                c["community_id"],
                c["id"],
                c["name_en"],
                c["name_ar"],
                c["description"],
                c.get("description_ar", ""),
            )


def is_bag(path: Path) -> bool:
    return (path / "bagit.txt").is_file() and (path / "data" / "metadata.json").is_file()


def restore_bag(uow: UnitOfWork, store: ObjectStore, actor: Actor, bag_dir: Path) -> Item | None:
    """Recreate an exported item with its id, state and files; None if it is already here.

    The bag is validated first (every checksum), so a damaged bag changes nothing.
    """
    bag = bagit.Bag(str(bag_dir))
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        raise InvalidInput(f"{bag_dir.name}: the bag is damaged: {exc}") from exc
    data = bag_dir / "data"
    record = json.loads((data / "metadata.json").read_text("utf-8"))
    if record.get("format") != FORMAT:
        raise InvalidInput(f"{bag_dir.name}: not a Mawrid bag (format {record.get('format')!r})")
    with reading(uow.engine) as conn:
        if conn.execute(select(t.items.c.id).where(t.items.c.id == record["id"])).first():
            return None
    embargo = date.fromisoformat(record["embargo_until"]) if record["embargo_until"] else None
    status = Status(record["status"])
    item = deposit_item(
        uow,
        actor,
        record["collection"],
        record["metadata"],
        status=Status.DRAFT,
        visibility=Visibility(record["visibility"]),
        embargo_until=embargo,
        item_id=record["id"],
    )
    for f in record["files"]:
        with open(data / "files" / check_filename(f["name"]), "rb") as fh:
            add_file(uow, store, actor, item.id, fh, f["name"], role=FileRole.ORIGINAL)
    if status is not Status.DRAFT:
        with uow:
            current = records.load_item(uow.conn, item.id, for_update=True)
            before = snapshot(current)
            current.status = status
            item = record_change(uow.conn, actor, current, before, "restore")
    return item
