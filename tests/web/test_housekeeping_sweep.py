"""The housekeeping sweep removes what crashes left — and nothing a live request is still using."""

from __future__ import annotations

import io
import os
import time

from repository.objects import local, s3, temp
from repository.objects.local import LocalObjectStore
from repository.objects.s3 import S3ObjectStore
from repository.services.fixity import check_fixity
from web.housekeeping import IMPORT_PREFIX, Housekeeping
from web.wiring import Wiring, spool_dir


def _age(path: os.PathLike[str], seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_removes_dead_leftovers_only(wiring: Wiring) -> None:
    scratch = spool_dir(wiring.settings)
    dead = scratch / f"{IMPORT_PREFIX}dead"
    dead.mkdir(parents=True)
    (dead / "thesis.pdf").write_bytes(b"%PDF-1.4 half")
    live = scratch / f"{IMPORT_PREFIX}live"
    live.mkdir()
    uploads = wiring.settings.data_dir / "uploads"
    uploads.mkdir(parents=True)
    orphan_part = uploads / "0123abcd.part"  # its record was never written: the server died in between
    orphan_part.write_bytes(b"partial")
    recent = uploads / "4567cdef.part"
    recent.write_bytes(b"just created")
    for path in (dead, live, orphan_part):
        _age(path, 2 * 3600)
    held = os.open(live, os.O_RDONLY)
    try:
        temp.hold(held)
        swept = Housekeeping(wiring).sweep(time.time())
    finally:
        os.close(held)
    assert sorted(swept) == sorted([str(dead), orphan_part.name])
    assert not dead.exists() and not orphan_part.exists()
    assert live.exists() and recent.exists()  # in use, or younger than the grace period


def test_fixity_lists_leftovers_without_failing(wiring: Wiring) -> None:
    stored = wiring.store.put(io.BytesIO(b"kept"))
    assert wiring.store.exists(stored.key)
    if isinstance(wiring.store, LocalObjectStore):
        folder, prefix = wiring.store.tmp, local.TEMP_PREFIX
    else:
        assert isinstance(wiring.store, S3ObjectStore) and wiring.store.spool_dir is not None
        folder, prefix = wiring.store.spool_dir, s3.SPOOL_PREFIX
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{prefix}crashed"
    partial.write_bytes(b"x" * 1000)
    _age(partial, 2 * 3600)
    report = check_fixity(wiring.engine, wiring.store, leftover_grace_seconds=3600)
    assert report.ok and [(x.location, x.size) for x in report.leftovers] == [(str(partial), 1000)]
    assert partial.exists()  # reporting removes nothing
    assert check_fixity(wiring.engine, wiring.store, leftover_grace_seconds=3 * 3600).leftovers == []
