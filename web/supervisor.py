"""Keeping the background work of `mawrid serve` alive: ingest worker processes, index sync, upkeep.

Each of them already outlives the errors it expects (a database that is down,
a locked index, a hostile file). The supervisor is for the rest: a worker
process ended by the OOM killer or a crash in a native library, a thread
ended by an exception nobody foresaw. Every `interval` seconds it asks each
watched part to `revive()` whatever of it has died, and logs what came back.
A part that was stopped on purpose is not revived.

Worker processes die with the thread that started them (PR_SET_PDEATHSIG,
see `repository.jobs.pool`), so stop a worker pool before the supervisor
that may have restarted some of its processes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 2.0


class Revivable(Protocol):
    def revive(self) -> int:
        """Start again what has died (not what was stopped); the number of processes or threads started."""
        ...


class Supervisor:
    def __init__(self, watched: Sequence[tuple[str, Revivable]], interval: float = INTERVAL_SECONDS) -> None:
        self.watched = list(watched)
        self.interval = interval
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mawrid-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def check(self) -> int:
        """One round: revive every watched part that needs it; returns how many were started."""
        started = 0
        for name, part in self.watched:
            try:
                count = part.revive()
            except Exception:  # a part that cannot start now is tried again next round
                log.exception("%s died and could not be restarted; trying again", name)
                continue
            if count:
                log.error("%s: %d died and were restarted", name, count)
                started += count
        self.restarts += started
        return started

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()
