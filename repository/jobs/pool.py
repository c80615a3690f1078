"""Worker processes: a pool of them for `mawrid worker` and `mawrid serve`, or one run that drains the queue.

`WorkerPool` starts N processes (spawned fresh, so they never inherit a web
server's threads or connections), each running `worker.work` until the
pool's stop event is set or it is sent SIGTERM. Worker processes die with
the process that started them, and their extraction children with them, so
a killed supervisor leaves only expired leases, which other workers pick
up; `revive` replaces a process that died. `run_pending_jobs` drives a pool
until given jobs are finished (`mawrid import`).

A process builds its own database engine and object store by calling the
pool's factory (a picklable callable, e.g. `functools.partial(web.wiring.wire,
settings)`): the choice of adapters belongs to the wiring, which this module
never imports.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event

from sqlalchemy import Engine

from repository.db.uow import reading
from repository.domain import JobStatus
from repository.errors import StoreUnavailable
from repository.ingest.sandbox import warm_up
from repository.jobs import queue
from repository.jobs.queue import RunSummary
from repository.jobs.worker import Resources, WorkerConfig, work, worker_name

log = logging.getLogger(__name__)
SPAWN = multiprocessing.get_context("spawn")
PR_SET_PDEATHSIG = 1

ResourcesFactory = Callable[[], Resources]


def default_concurrency() -> int:
    """One worker process per core."""
    return os.cpu_count() or 1


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
    if job_ids is None:
        with reading(engine) as conn:
            unfinished = queue.list_jobs(conn, [JobStatus.QUEUED, JobStatus.RUNNING], limit=None)
        job_ids = [v.job.id for v in unfinished]
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
    with reading(engine) as conn:
        return queue.summarize(conn, job_ids)
