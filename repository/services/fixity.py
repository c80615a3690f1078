"""Fixity: re-hash every stored object and compare it with the digest recorded for it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from repository.db import tables as t
from repository.db.uow import reading
from repository.errors import NotFound
from repository.objects.ports import CHUNK, ObjectStore
from repository.objects.temp import Leftover


@dataclass
class FixityProblem:
    key: str
    expected_sha256: str
    actual_sha256: str | None  # None: the object is missing
    item_ids: list[str]
    file_names: list[str]

    @property
    def kind(self) -> str:
        return "missing" if self.actual_sha256 is None else "mismatch"


@dataclass
class FixityReport:
    checked: int = 0
    bytes: int = 0
    problems: list[FixityProblem] = field(default_factory=list)
    # Partial temporary objects of writes that died: no record is harmed, but they take space
    # until the housekeeping sweep removes them.
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_fixity(
    engine: Engine,
    store: ObjectStore,
    progress: Callable[[int, int], None] | None = None,
    *,
    leftover_grace_seconds: float = 3600,
    now: float | None = None,
) -> FixityReport:
    """Stream every referenced object through sha256; report missing and altered ones with their items,
    and the partial temporary objects crashed writes left (older than the grace, held by no one)."""
    with reading(engine) as conn:
        rows = conn.execute(select(t.files.c.key, t.files.c.sha256, t.files.c.item_id, t.files.c.name)).all()
    expected: dict[str, tuple[str, list[str], list[str]]] = {}
    for row in rows:
        digest, items, names = expected.setdefault(row.key, (row.sha256, [], []))
        items.append(row.item_id)
        names.append(row.name)
    report = FixityReport(leftovers=store.leftovers(leftover_grace_seconds, time.time() if now is None else now))
    for n, (key, (digest, items, names)) in enumerate(sorted(expected.items()), 1):
        actual = _hash(store, key)
        report.checked += 1
        if actual is None or actual[0] != digest:
            report.problems.append(
                FixityProblem(key, digest, None if actual is None else actual[0], sorted(set(items)), names)
            )
        else:
            report.bytes += actual[1]
        if progress:
            progress(n, len(expected))
    return report


def _hash(store: ObjectStore, key: str) -> tuple[str, int] | None:
    sha, size = hashlib.sha256(), 0
    try:
        with store.open(key) as fh:
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
    except NotFound:
        return None
    return sha.hexdigest(), size
