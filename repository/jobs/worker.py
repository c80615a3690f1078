"""Ingest workers: processes that claim jobs, extract in a sandbox and apply the result.

`WorkerPool` starts N worker processes (spawned fresh, so they never inherit
a web server's threads or connections); each one loops: claim a job with a
lease, fetch the file, run the extraction in a limited child process
(`sandbox.run_limited`) while renewing the lease, then `apply_extraction`
and mark the job done in one transaction — or record the failure. Worker
processes die with the process that started them, and their extraction
children with them, so a killed supervisor leaves only expired leases,
which other workers pick up. `mawrid worker`, `mawrid serve` and `mawrid
import` all use the pool; `run_pending_jobs` drives one until the queue is
drained.

Workers get their database and object store from a factory (a picklable
callable, e.g. `functools.partial(web.wiring.wire, settings)`), since the
choice of adapters belongs to the web layer's wiring.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Protocol

from sqlalchemy import Engine, select

from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.domain import FileRole, IngestJob, JobStatus, utcnow
from repository.errors import (
    Abandoned,
    ExtractionFailed,
    IntegrityError,
    LimitExceeded,
    MawridError,
    NotFound,
    StoreUnavailable,
)
from repository.ingest.sandbox import Limits, Sandbox, readable_reason, warm_up
from repository.jobs import queue
from repository.jobs.queue import QueuePolicy
from repository.objects.ports import CHUNK, ObjectStore
from repository.services.ingest import apply_extraction
from repository.settings import Settings

log = logging.getLogger(__name__)
SPAWN = multiprocessing.get_context("spawn")
PR_SET_PDEATHSIG = 1


class Resources(Protocol):
    """What a worker needs; `web.wiring.Wiring` is one."""

    engine: Engine
    store: ObjectStore

    def uow(self) -> UnitOfWork: ...


ResourcesFactory = Callable[[], Resources]


class Stop(Protocol):
    """When to stop: a multiprocessing Event, or a worker's own `Stopping`."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Stopping:
    """The pool's stop event, or SIGTERM sent to this worker directly.

    The signal handler only sets a flag: calling `Event.set()` from a handler
    can deadlock on the lock the interrupted `Event.wait()` holds.
    """

    def __init__(self, event: Event) -> None:
        self.event = event
        self.terminated = False

    def terminate(self, *_: object) -> None:
        self.terminated = True

    def is_set(self) -> bool:
        return self.terminated or self.event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.event.wait(timeout) or self.terminated


@dataclass(frozen=True)
class WorkerConfig:
    policy: QueuePolicy = field(default_factory=QueuePolicy)
    limits: Limits = Limits(seconds=300, memory_mb=2048)
    poll_seconds: float = 1.0  # how often an idle worker looks for new jobs

    @classmethod
    def from_settings(cls, settings: Settings, poll_seconds: float = 1.0) -> WorkerConfig:
        policy = QueuePolicy(lease_seconds=settings.job_lease_seconds, max_attempts=settings.job_max_attempts)
        limits = Limits(seconds=settings.job_time_limit_seconds, memory_mb=settings.job_memory_limit_mb)
        return cls(policy=policy, limits=limits, poll_seconds=poll_seconds)


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


# --- one job ---------------------------------------------------------------------------------------


def process_job(
    res: Resources, job: IngestJob, config: WorkerConfig, worker: str, sandbox: Sandbox, stop: Stop | None = None
) -> JobStatus:
    """Run one claimed job to its end: done, queued again (retry or release) or failed."""
    with reading(res.engine) as conn:
        row = conn.execute(select(t.files).where(t.files.c.id == job.file_id)).first()
        captions = conn.execute(
            select(t.files.c.name, t.files.c.key)
            .where(t.files.c.item_id == job.item_id, t.files.c.role == FileRole.CAPTION.value)
            .order_by(t.files.c.id)
        ).all()
    if row is None:  # the file was removed after its job was claimed
        with res.uow() as uow:
            queue.complete(uow.conn, job.id, utcnow())
        return JobStatus.DONE
    renewed = time.monotonic()

    def heartbeat() -> bool:
        nonlocal renewed
        if stop is not None and stop.is_set():
            return False
        if time.monotonic() - renewed >= config.policy.lease_seconds / 3:
            renewed = time.monotonic()
            return queue.renew(res.uow(), job.id, worker, config.policy, utcnow())
        return True

    names: dict[str, str] = {}  # local paths of the file and its captions, to say their names instead
    try:
        with local_copy(res.store, row.key) as path, contextlib.ExitStack() as copies:
            names[path] = row.name
            caption_paths = [(c.name, copies.enter_context(local_copy(res.store, c.key))) for c in captions]
            names.update((p, n) for n, p in caption_paths)
            extraction = sandbox.extract(path, row.name, caption_paths, heartbeat)
        apply_extraction(res.uow(), res.store, row.id, extraction, job_id=job.id)
    except Abandoned:
        if stop is not None and stop.is_set():
            queue.release(res.uow(), job.id, worker, utcnow())
            return JobStatus.QUEUED
        log.warning("job %s: lease lost to another worker; leaving it", job.id)
        return JobStatus.RUNNING
    except LimitExceeded as exc:  # the same file breaks the same limit again: no retry
        return _failed(res, job, worker, config, exc.message, retry=False)
    except (ExtractionFailed, StoreUnavailable) as exc:
        return _failed(res, job, worker, config, readable_reason(exc.message, names), retry=True)
    except MawridError as exc:  # the file is refused (hostile, empty, unreadable): trying again cannot help
        return _failed(res, job, worker, config, exc.message, retry=False)
    log.info("job %s: %s done", job.id, row.name)
    return JobStatus.DONE


def _failed(
    res: Resources, job: IngestJob, worker: str, config: WorkerConfig, reason: str, *, retry: bool
) -> JobStatus:
    status = queue.fail(res.uow(), job.id, worker, reason, config.policy, utcnow(), retry=retry)
    log.warning("job %s: %s (%s)", job.id, reason, "will retry" if status is JobStatus.QUEUED else "failed")
    return status


@contextlib.contextmanager
def local_copy(store: ObjectStore, key: str) -> Iterator[str]:
    """A path to the object's bytes: the stored file itself where the store offers one, else a temporary copy."""
    missing = IntegrityError("the file's bytes are missing from the object store; upload it again")
    in_place = store.local_path(key)
    if in_place is not None:
        yield str(in_place)
        return
    with tempfile.NamedTemporaryFile(prefix="mawrid-ingest-") as copy:
        try:
            source = store.open(key)
        except NotFound as exc:  # its message names the key: our layout, not the librarian's business
            raise missing from exc
        with source:
            shutil.copyfileobj(source, copy, CHUNK)
        copy.flush()
        yield copy.name


# --- a worker process ------------------------------------------------------------------------------


def work(res: Resources, config: WorkerConfig, worker: str, stop: Stop) -> None:
    """Claim and run jobs until `stop` is set; an unreachable database is waited out, not fatal."""
    with Sandbox(config.limits) as sandbox:
        _work(res, config, worker, stop, sandbox)


def _work(res: Resources, config: WorkerConfig, worker: str, stop: Stop, sandbox: Sandbox) -> None:
    # A worker outlives any error: what it was doing is retried once its lease runs out.
    while not stop.is_set():
        try:
            job = queue.claim(res.uow(), worker, config.policy, utcnow())
        except Exception:
            log.exception("cannot claim jobs; trying again shortly")
            stop.wait(config.poll_seconds * 5)
            continue
        if job is None:
            stop.wait(config.poll_seconds)
            continue
        try:
            process_job(res, job, config, worker, sandbox, stop)
        except Exception:
            log.exception("job %s interrupted; it is retried when its lease runs out", job.id)


def worker_main(factory: ResourcesFactory, config: WorkerConfig, index: int, stop: Event) -> None:
    """Entry point of a worker process."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the supervisor
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which stops us in order
    stopping = Stopping(stop)
    signal.signal(signal.SIGTERM, stopping.terminate)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(process)d %(levelname)s %(message)s")
    res = factory()
    warm_up()
    try:
        work(res, config, worker_name(index), stopping)
    finally:
        res.engine.dispose()


class WorkerPool:
    """N worker processes sharing one stop signal."""

    def __init__(self, factory: ResourcesFactory, config: WorkerConfig, concurrency: int) -> None:
        self.stop_event = SPAWN.Event()
        self._factory, self._config = factory, config
        self.processes = [self._process(i) for i in range(max(1, concurrency))]

    def _process(self, i: int) -> SpawnProcess:
        args = (self._factory, self._config, i, self.stop_event)
        return SPAWN.Process(target=worker_main, args=args, name=f"mawrid-worker-{i}")

    def start(self) -> WorkerPool:
        for process in self.processes:
            process.start()
        return self

    def alive(self) -> int:
        return sum(1 for p in self.processes if p.is_alive())

    def revive(self) -> int:
        """Start a fresh process in place of each one that died (killed, crashed) unless the pool is stopping.

        Returns how many were started. Their jobs in progress are retried when the lease runs out.
        """
        started = 0
        for i, process in enumerate(self.processes):
            if self.stop_event.is_set() or process.exitcode is None:  # still running, or never started
                continue
            self.processes[i] = self._process(i)
            self.processes[i].start()
            started += 1
        return started

    def wait(self) -> None:
        for process in self.processes:
            process.join()

    def stop(self, grace_seconds: float = 30) -> None:
        """Ask every worker to stop (a job in progress is handed back to the queue), then make sure."""
        self.stop_event.set()
        deadline = time.monotonic() + grace_seconds
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join()


# --- draining the queue (mawrid import) ---------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    job_id: int
    item_id: str
    file_name: str
    reason: str


@dataclass(frozen=True)
class Warned:
    """A job that finished, leaving warnings on its file (encrypted, damaged, needs OCR…)."""

    job_id: int
    item_id: str
    file_name: str
    warnings: list[str]


@dataclass(frozen=True)
class RunSummary:
    done: int  # including those that warned
    failures: list[Failure]
    warned: list[Warned] = field(default_factory=list)

    def needing_attention(self) -> set[str]:
        """The items with a failed job or a warned file."""
        return {f.item_id for f in self.failures} | {w.item_id for w in self.warned}


def run_pending_jobs(
    factory: ResourcesFactory,
    engine: Engine,
    config: WorkerConfig,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    job_ids: list[int] | None = None,
    poll_seconds: float = 0.3,
) -> RunSummary:
    """Run jobs with a pool of `workers` until `job_ids` (default: every job queued or running now) are finished.

    `progress(finished, total)` is called as jobs finish. Raises StoreUnavailable if every worker died.
    """
    with reading(engine) as conn:
        if job_ids is None:
            unfinished = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
            job_ids = list(
                conn.execute(select(t.ingest_jobs.c.id).where(t.ingest_jobs.c.status.in_(unfinished))).scalars()
            )
    total = len(job_ids)
    if total == 0:
        return RunSummary(0, [])
    pool = WorkerPool(factory, config, workers).start()
    try:
        while True:
            with reading(engine) as conn:
                counts = queue.count_jobs(conn, job_ids)
            finished = counts[JobStatus.DONE.value] + counts[JobStatus.FAILED.value]
            if progress is not None:
                progress(finished, total)
            if finished == total:
                break
            if pool.alive() == 0:
                raise StoreUnavailable("every ingest worker stopped; see the log above for why")
            time.sleep(poll_seconds)
    finally:
        pool.stop()
    return _summary(engine, job_ids)


def _summary(engine: Engine, job_ids: list[int]) -> RunSummary:
    with reading(engine) as conn:
        rows = conn.execute(
            select(
                t.ingest_jobs.c.id,
                t.ingest_jobs.c.item_id,
                t.ingest_jobs.c.status,
                t.ingest_jobs.c.error,
                t.files.c.name,
                t.files.c.details,
            )
            .join(t.files, t.files.c.id == t.ingest_jobs.c.file_id)
            .where(t.ingest_jobs.c.id.in_(job_ids))
            .order_by(t.ingest_jobs.c.id)
        ).all()
    failures = [Failure(r.id, r.item_id, r.name, r.error or "") for r in rows if r.status == JobStatus.FAILED.value]
    done = [r for r in rows if r.status == JobStatus.DONE.value]
    warned = [
        Warned(r.id, r.item_id, r.name, list(warnings)) for r in done if (warnings := (r.details or {}).get("warnings"))
    ]
    return RunSummary(done=len(done), failures=failures, warned=warned)
