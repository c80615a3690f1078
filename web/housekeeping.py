"""Periodic upkeep while `mawrid serve` runs: work the calendar, not a request, calls for.

Ending embargoes: an embargo runs out at midnight with no edit to the item,
so something must record it — moving the harvest datestamp and marking the
item for indexing — or harvesters and search would never learn that its
files opened.

Sweeping what crashes leave: partial temporary objects of puts that died,
workspace import folders of killed requests, and tus uploads past their
expiry. The first round runs at start-up, so a restart after a crash cleans
up at once (see repository/objects/temp.py for how live writers are spared).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from repository.objects import temp
from repository.services.workflow import lift_expired_embargoes
from web.api.tus import expire_uploads
from web.wiring import Wiring, spool_dir

IMPORT_PREFIX = "import-"  # scratch folders of uploaded import batches

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 600


class Housekeeping:
    def __init__(self, wiring: Wiring, interval: float = INTERVAL_SECONDS) -> None:
        self.wiring = wiring
        self.interval = interval
        self._stop = threading.Event()
        self._thread = self._new_thread()
        self._started = False

    def _new_thread(self) -> threading.Thread:
        return threading.Thread(target=self._run, name="mawrid-housekeeping", daemon=True)

    def start(self) -> Housekeeping:
        self._thread.start()
        self._started = True
        return self

    def revive(self) -> int:
        """Start the thread again if it died after `start` (not after `stop`); 1 if it did, else 0."""
        if not self._started or self._stop.is_set() or self._thread.is_alive():
            return 0
        self._thread = self._new_thread()
        self._thread.start()
        return 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def run_once(self) -> list[str]:
        lifted = lift_expired_embargoes(self.wiring.uow(), date.today())
        if lifted:
            log.info("embargo ended for %d items: %s", len(lifted), ", ".join(lifted))
        self.sweep(time.time())
        return lifted

    def sweep(self, now: float) -> list[str]:
        """Remove crash leftovers older than the grace period that no live process holds; return them."""
        settings = self.wiring.settings
        grace = settings.temp_grace_minutes * 60
        swept = [x.location for x in self.wiring.store.sweep_leftovers(grace, now)]
        swept += [x.location for x in temp.sweep(spool_dir(settings), [IMPORT_PREFIX], grace, now)]
        swept += expire_uploads(settings.data_dir, now, grace)
        if swept:
            log.info("swept %d leftovers of interrupted uploads: %s", len(swept), ", ".join(swept))
        return swept

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the next round tries again; a passing outage must not end upkeep
                log.exception("housekeeping failed")
            self._stop.wait(self.interval)


@contextmanager
def import_folder(parent: Path) -> Iterator[Path]:
    """A scratch folder for an uploaded batch, locked while this request uses it, so that the
    housekeeping sweep removes it only if the process died (repository/objects/temp.py)."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=IMPORT_PREFIX, dir=parent))
    fd = os.open(folder, os.O_RDONLY)
    try:
        temp.hold(fd)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)
