"""`mawrid serve` keeps its background work alive: a killed ingest worker or a dead index sync comes back."""

from __future__ import annotations

import ctypes
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import JobStatus
from repository.services.files import add_file
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.server import served
from web.app import create_app
from web.supervisor import Supervisor
from web.wiring import Wiring, start_workers


def eventually(check: Callable[[], object], seconds: float = 60) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_a_killed_ingest_worker_is_restarted_and_takes_jobs(wiring: Wiring, collection: str) -> None:
    pool = start_workers(wiring, 1)
    supervisor = Supervisor([("ingest workers", pool)], interval=0.2).start()
    try:
        first = pool.processes[0]
        eventually(lambda: first.pid is not None and first.is_alive())
        os.kill(first.pid, signal.SIGKILL)  # type: ignore[arg-type]
        eventually(lambda: pool.processes[0] is not first and pool.processes[0].is_alive())
        assert supervisor.restarts == 1 and pool.alive() == 1
        item = make_item(wiring, collection, published=False)
        add_file(wiring.uow(), wiring.store, LIBRARIAN, item.id, io.BytesIO(b"plain words to extract"), "a.txt")

        def taken() -> bool:
            with reading(wiring.engine) as conn:
                return conn.execute(t.ingest_jobs.select()).one().status != JobStatus.QUEUED.value

        # The new worker claims the job. (Whether it can finish it depends on the store: under "scale"
        # the fixture's S3 prefix is not in the settings a worker process wires itself from.)
        eventually(taken)
    finally:
        pool.stop()
        supervisor.stop()
    assert pool.revive() == 0  # a stopped pool stays stopped


def idle(thread: threading.Thread) -> bool:
    """Whether the sync loop's thread is waiting for its next round (in Event.wait called from SyncLoop._run)."""
    frame = sys._current_frames().get(thread.ident or 0)
    names = []  # innermost first: wait (Condition), wait (Event), _run, run, _bootstrap_inner, _bootstrap
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return "_run" in names and set(names[: names.index("_run")]) == {"wait"}


def sync_threads() -> list[threading.Thread]:
    return [th for th in threading.enumerate() if th.name == "mawrid-index-sync" and th.is_alive()]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the thread is made to die
def test_an_index_sync_thread_that_dies_is_restarted(wiring: Wiring, collection: str) -> None:
    others = set(sync_threads())  # other apps of the session (the browser tests' site) run their own
    with served(create_app(wiring), lifespan="on") as url:
        (sync,) = eventually(lambda: [th for th in sync_threads() if th not in others])  # type: ignore[misc]
        eventually(lambda: idle(sync))  # between rounds, so the test is about restarting, not a half-done write
        # Make the thread raise: SystemExit is no Exception, so the loop's own error handling lets it end the thread.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(sync.ident), ctypes.py_object(SystemExit))
        make_item(wiring, collection, "Olive harvest in the Jordan Valley")  # its commit nudges the sync awake
        eventually(lambda: not sync.is_alive(), 30)
        restarted = eventually(lambda: [th for th in sync_threads() if th is not sync and th not in others])
        assert restarted

        def found() -> bool:
            return httpx.get(f"{url}/api/search", params={"q": "olive"}).json()["total"] == 1

        eventually(found, 30)  # the restarted loop syncs what the dead one left
