"""Ingest worker processes wired from the settings, for `mawrid worker`, `mawrid serve` and `mawrid import`.

Each worker process builds its own database engine and object store with
`wire(settings)`, the same choice the caller made, so workers can equally
run on this machine or on others that share the database and the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from repository.jobs.worker import ResourcesFactory, RunSummary, WorkerConfig, WorkerPool
from repository.jobs.worker import run_pending_jobs as drain
from repository.settings import Settings
from web.wiring import Wiring, wire


def factory_for(settings: Settings) -> ResourcesFactory:
    return partial(wire, settings, migrate_schema=False)


def default_concurrency() -> int:
    return os.cpu_count() or 1


def start_workers(wiring: Wiring, concurrency: int | None = None) -> WorkerPool:
    """Start background worker processes (call from the main thread); stop them with `pool.stop()`."""
    config = WorkerConfig.from_settings(wiring.settings)
    return WorkerPool(factory_for(wiring.settings), config, concurrency or default_concurrency()).start()


def run_pending_jobs(
    wiring: Wiring,
    workers: int | None = None,
    progress_callback: Callable[[int, int], None] | None = None,
    job_ids: list[int] | None = None,
) -> RunSummary:
    """Process queued jobs (`job_ids`, default all unfinished) with `workers` processes until none is left.

    `progress_callback(finished, total)` follows along; the summary counts the done jobs and lists each
    failure with its file and reason.
    """
    return drain(
        factory_for(wiring.settings),
        wiring.engine,
        WorkerConfig.from_settings(wiring.settings),
        workers or default_concurrency(),
        progress_callback,
        job_ids,
    )
