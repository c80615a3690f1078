"""Worker processes end to end: real processes, the real queue, both deployments."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from dataclasses import replace
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import FileRole, JobStatus
from repository.ingest.sandbox import Limits
from repository.jobs import queue as jobs
from repository.jobs.pool import ResourcesFactory, run_pending_jobs
from repository.services.files import add_file
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.repository.ingest import builders
from tests.workers import FAST, settings_env
from web.wiring import Wiring


def job_ids(wiring: Wiring) -> list[int]:
    with reading(wiring.engine) as conn:
        return sorted(v.job.id for v in jobs.list_jobs(conn))


def test_pending_jobs_run_to_done_or_failed_with_reasons(
    wiring: Wiring, collection: str, factory: ResourcesFactory
) -> None:
    paper = make_item(wiring, collection, "Paper", files={"paper.pdf": builders.pdf([builders.ARABIC_LINES])})
    book = make_item(
        wiring, collection, "Book", files={"book.epub": builders.epub(title="B", chapters=[("c", "<p>Book text</p>")])}
    )
    lecture = make_item(wiring, collection, "Lecture", files={"lecture.wav": builders.wav()})
    add_file(
        wiring.uow(), wiring.store, LIBRARIAN, lecture.id, io.BytesIO(builders.WEBVTT.encode()), "lecture.vtt",
        role=FileRole.CAPTION,
    )  # fmt: skip
    bad = make_item(wiring, collection, "Bad", files={"slip.zip": builders.zip_bytes([("../../evil.txt", "x")])})
    seen: list[tuple[int, int]] = []
    summary = run_pending_jobs(factory, wiring.engine, FAST, workers=2, progress=lambda *a: seen.append(a))
    assert summary.done == 4  # the caption queued its recording again
    [failure] = summary.failures
    assert failure.item_id == bad.id and failure.file_name == "slip.zip" and "path traversal" in failure.reason
    assert seen[-1] == (5, 5)
    with reading(wiring.engine) as conn:
        items = {i.id: records.load_item(conn, i.id) for i in (paper, book, lecture, bad)}
        assert jobs.count_jobs(conn) == {"queued": 0, "running": 0, "done": 4, "failed": 1}
        marked = conn.execute(
            select(func.count()).select_from(t.items).where(t.items.c.indexed_version < t.items.c.version)
        ).scalar_one()
    assert marked >= 3
    text_of = {k: [f for f in v.files if f.role is FileRole.TEXT] for k, v in items.items()}
    assert len(text_of[paper.id]) == 1 and text_of[paper.id][0].language == "ar"
    assert len(text_of[lecture.id]) == 1 and not text_of[bad.id]
    with wiring.store.open(text_of[lecture.id][0].key) as fh:
        assert "Welcome to the library lecture." in fh.read().decode()


@cache
def long_pdf() -> bytes:
    return builders.pdf([builders.ENGLISH_LINES * 6] * 120)


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    wiring: Wiring, worker_wiring: Wiring, collection: str, tmp_path: Path
) -> None:
    items = [make_item(wiring, collection, f"Report {n}", files={f"r{n}.pdf": long_pdf()}) for n in range(8)]
    make_item(wiring, collection, "Hostile", files={"bomb.zip": builders.bomb_zip()})
    ids = job_ids(wiring)
    env = settings_env(worker_wiring)
    first = _start_worker(env, tmp_path)
    try:
        _wait(lambda: _mid_queue(_counts(wiring, ids)), 60)
    finally:
        first.send_signal(signal.SIGKILL)  # the supervisor; its workers and their extractions die with it
        first.wait()
    interrupted = _counts(wiring, ids)
    assert interrupted["running"] >= 1 and interrupted["done"] < len(ids)
    with reading(wiring.engine) as conn:
        orphans = {int(v.job.worker.split(":")[1]) for v in jobs.list_jobs(conn, JobStatus.RUNNING) if v.job.worker}
    _wait(lambda: not any(_alive(pid) for pid in orphans), 5)  # its workers died with it
    second = _start_worker(env, tmp_path)
    try:
        _wait(lambda: _counts(wiring, ids)["done"] + _counts(wiring, ids)["failed"] == len(ids), 90)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    with reading(wiring.engine) as conn:
        views = {v.job.id: v for v in jobs.list_jobs(conn)}
        loaded = [records.load_item(conn, i.id) for i in items]
        extract_versions = conn.execute(
            select(t.versions.c.item_id, func.count())
            .where(t.versions.c.action == "extract")
            .group_by(t.versions.c.item_id)
        ).all()
    failed = [v for v in views.values() if v.job.status is JobStatus.FAILED]
    assert [v.file_name for v in failed] == ["bomb.zip"] and "zip bomb" in (failed[0].job.error or "")
    assert all(v.job.status is JobStatus.DONE for v in views.values() if v.file_name != "bomb.zip")
    assert any(v.job.attempts == 2 for v in views.values())  # the interrupted job ran again
    for item in loaded:
        assert [f.role for f in item.files].count(FileRole.TEXT) == 1
        assert [f.role for f in item.files].count(FileRole.THUMBNAIL) == 1
    assert sorted(n for _, n in extract_versions) == [1] * len(items)


def _job_of(wiring: Wiring, file_name: str) -> jobs.JobView:
    with reading(wiring.engine) as conn:
        return next(v for v in jobs.list_jobs(conn) if v.file_name == file_name)


def test_limit_breaches_fail_at_once_saying_which_limit(
    wiring: Wiring, collection: str, factory: ResourcesFactory
) -> None:
    make_item(wiring, collection, "Bomb", files={"bomb.pdf": builders.stream_bomb_pdf()})
    make_item(wiring, collection, "Fine", files={"fine.pdf": builders.pdf([builders.ENGLISH_LINES])})
    tight = replace(FAST, limits=Limits(seconds=60, memory_mb=1024))
    summary = run_pending_jobs(factory, wiring.engine, tight, workers=1)
    assert summary.done == 1  # an ordinary PDF fits the limit
    bomb = _job_of(wiring, "bomb.pdf").job
    assert bomb.status is JobStatus.FAILED and bomb.attempts == 1
    assert bomb.error == "the extraction exceeded the memory limit of 1024 MB"
    make_item(wiring, collection, "Long", files={"long.pdf": long_pdf()})
    hurried = replace(FAST, limits=Limits(seconds=0.05, memory_mb=2048))
    run_pending_jobs(factory, wiring.engine, hurried, workers=1)
    slow = _job_of(wiring, "long.pdf").job
    assert slow.status is JobStatus.FAILED and slow.attempts == 1
    assert slow.error == "the extraction exceeded the time limit of 0.05 seconds"


def test_job_errors_never_show_where_objects_are_stored(
    wiring: Wiring, collection: str, factory: ResourcesFactory
) -> None:
    item = make_item(wiring, collection, "Lost", files={"lost.pdf": builders.pdf([builders.ENGLISH_LINES])})
    with reading(wiring.engine) as conn:
        [ref] = records.load_item(conn, item.id).files
    wiring.store.delete(ref.key)  # its job is still queued: no worker has run yet
    summary = run_pending_jobs(factory, wiring.engine, FAST, workers=1)
    [failure] = summary.failures
    assert "missing from the object store" in failure.reason
    for internal in (ref.key, ref.sha256, str(wiring.settings.data_dir), "/"):
        assert internal not in failure.reason


def _mid_queue(counts: dict[str, int]) -> bool:
    """Some jobs done, some running, more waiting: the workers are busy, a kill lands mid-job."""
    return counts["done"] >= 1 and counts["running"] >= 1 and counts["queued"] >= 2


def _counts(wiring: Wiring, ids: list[int]) -> dict[str, int]:
    with reading(wiring.engine) as conn:
        return jobs.count_jobs(conn, ids)


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for the workers"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie waiting to be reaped is dead
    except FileNotFoundError:
        return False


def _start_worker(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    log = open(cwd / "worker.log", "ab")  # noqa: SIM115 - closed with the process
    command = [sys.executable, "-c", "from web.cli import main; main()", "worker", "--concurrency", "2"]
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log, pass_fds=(), close_fds=True)
