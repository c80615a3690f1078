"""Taking content out, and bringing exported bags back: what `mawrid export`/`import` and the course pages call.

The formats live beside this module: BagIt bags of items (`bagit`), a course as an
IMS Common Cartridge (`cartridge`), its SCORM package or a plain zip (`course_files`).
Every file is written whole or not at all: into a partial file first, renamed or removed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from lxml import etree
from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from harvest.crosswalks.context import Context
from harvest.crosswalks.oai_dc import to_oai_dc
from harvest.exports import bagit
from harvest.exports.course_files import FORMATS, export_name, write_export
from repository.courses.service import Attribution, Course
from repository.db import records
from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import Actor, Item
from repository.errors import InvalidInput, NotFound
from repository.objects.ports import ObjectStore

Progress = Callable[[], None]


def select_items(conn: Connection, ids: list[str], collection: str | None, every: bool) -> list[Item]:
    """The items to export: these ids, a collection's items, or (`every`) all of them, in id order."""
    query = select(t.items).order_by(t.items.c.id)
    if ids:
        query = query.where(t.items.c.id.in_(ids))
    elif collection:
        records.load_collection(conn, collection)  # NotFound for an unknown collection
        query = query.where(t.items.c.collection_id == collection)
    elif not every:
        raise InvalidInput("give item ids, a collection, or every item")
    found = records.load_items(conn, conn.execute(query))
    missing = set(ids) - {i.id for i in found}
    if missing:
        raise NotFound(f"no item {', '.join(sorted(missing))}")
    return found


def dublin_core(item: Item, ctx: Context) -> bytes:
    """The Dublin Core record a bag carries, the one OAI-PMH serves."""
    return bytes(etree.tostring(to_oai_dc(item, ctx), xml_declaration=True, encoding="UTF-8", pretty_print=True))


def export_bags(
    engine: Engine, store: ObjectStore, ctx: Context, items: list[Item], dest: Path, advance: Progress
) -> None:
    """The communities and collections, then one bag per item, into `dest`: together a restorable copy."""
    dest.mkdir(parents=True, exist_ok=True)
    bagit.export_structure(engine, dest)
    for item in items:
        bagit.export_item(item, store, dest, lambda i: dublin_core(i, ctx), ctx.repository_name)
        advance()


def restorable(source: Path) -> bool:
    """Whether `source` is a folder `export_bags` wrote."""
    return source.is_dir() and (source / bagit.STRUCTURE).is_file()


def bags_in(source: Path) -> list[Path]:
    """The bags in a folder `export_bags` wrote, in the order they are restored."""
    return [p for p in sorted(source.iterdir()) if bagit.is_bag(p)]


def restore_bags(
    uow: Callable[[], UnitOfWork], store: ObjectStore, actor: Actor, source: Path, bags: list[Path], advance: Progress
) -> int:
    """Restore `bags` (`bags_in(source)`) after the structure beside them; returns how many were restored,
    a bag already here being skipped."""
    bagit.restore_structure(uow(), actor, source / bagit.STRUCTURE)
    restored = 0
    for bag in bags:
        restored += bagit.restore_bag(uow(), store, actor, bag) is not None
        advance()
    return restored


def check_course_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown course format {fmt!r}; use one of {', '.join(FORMATS)}")


def save_course(
    course: Course, fmt: str, store: ObjectStore, ctx: Context, credits: list[Attribution], output: Path
) -> Path:
    """Write the course to `output` (a file, or a folder to put it in under its export name); returns the file."""
    check_course_format(fmt)
    target = output / export_name(course, fmt) if output.is_dir() else output
    target.parent.mkdir(parents=True, exist_ok=True)
    with _whole(target.with_name(f".{target.name}.part")) as (partial, out):
        write_export(course, fmt, store, ctx, credits, out)
    partial.replace(target)
    return target


def spool_course(
    course: Course, fmt: str, store: ObjectStore, ctx: Context, credits: list[Attribution], spool: Path
) -> Path:
    """Write the course to a new file in `spool` for a download to send; the caller removes it when sent."""
    check_course_format(fmt)
    spool.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=spool, prefix="course-")
    os.close(handle)
    with _whole(Path(name)) as (path, out):
        write_export(course, fmt, store, ctx, credits, out)
    return path


@contextmanager
def _whole(path: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """Open `path` for writing; if the writing fails, the partial file goes."""
    try:
        with path.open("wb") as out:
            yield path, out
    except BaseException:
        path.unlink(missing_ok=True)
        raise
