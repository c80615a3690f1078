"""One ingest worker: claim a job, extract its file in the sandbox, apply the result through the services.

`work` loops: claim a job with a lease (`queue.claim`), fetch the file (read
in place when the store offers a local path, else copied), run the
extraction in a limited child process (`sandbox.Sandbox`) while renewing the
lease, then `apply_extraction` marks the job done in the transaction that
records the extraction — or the failure is recorded on the job, to be
retried or not. The processes that run `work` are `repository.jobs.pool`'s.

A worker gets its database and object store as `Resources` (e.g.
`web.wiring.Wiring`), since the choice of adapters belongs to the wiring.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from repository.ingest.sandbox import Limits, Sandbox, readable_reason
from repository.jobs import queue
from repository.jobs.queue import QueuePolicy
from repository.objects.ports import CHUNK, ObjectStore
from repository.services.ingest import apply_extraction
from repository.settings import Settings

log = logging.getLogger(__name__)


class Resources(Protocol):
    """What a worker needs; `web.wiring.Wiring` is one."""

    engine: Engine
    store: ObjectStore

    def uow(self) -> UnitOfWork: ...


class Stop(Protocol):
    """When to stop: a multiprocessing Event, or a worker process's own `pool.Stopping`."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


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
