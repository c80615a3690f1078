"""Running extractions in a child process under a time limit and a memory limit.

A hostile or pathological file may make a parser loop, allocate without end
or crash in C code. Extraction therefore runs in a forked child (the caller
must be single-threaded, as workers and the CLI are) with RLIMIT_AS as its
memory ceiling and a CPU-time ceiling as a backstop; the parent kills it at
the wall-clock limit. The child only reads files and answers through a pipe:
it never touches the database connections it inherits, and it dies with
its parent (PR_SET_PDEATHSIG), so killing a worker never leaves extractions
running. While it waits the parent calls a heartbeat, which is how a worker
renews its job's lease and notices a stop. OCR inside an extraction gets
`OCR_SHARE` of the time limit (`ocr.time_budget`), so a long scanned book
comes back with the pages read so far instead of being killed with none.

A `Sandbox` keeps its child for many files, since forking per file costs
more than a small PDF's extraction; the child is replaced after a kill, a
crash, any failure (its memory may be in a bad state) or `MAX_FILES` files.
"""

from __future__ import annotations

import ctypes
import enum
import io
import multiprocessing
import re
import resource
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from repository.errors import Abandoned, ExtractionFailed, LimitExceeded, MawridError, UnsupportedFormat
from repository.ingest import ocr
from repository.ingest.extract import extract_file
from repository.ingest.ports import Extraction

CTX = multiprocessing.get_context("fork")
PR_SET_PDEATHSIG = 1
CPU_GRACE_SECONDS = 5
OCR_SHARE = 0.85  # of the time limit: what OCR may use, leaving the rest to finish and answer
MAX_FILES = 200  # then a fresh child: bounds what a slow leak in a C library can accumulate

Request = tuple[str, str, list[tuple[str, str]]]  # path, name, captions as (name, path)


class Outcome(enum.StrEnum):
    """How the child answers a request, with its payload."""

    OK = "ok"  # the Extraction
    REFUSED = "refused"  # the MawridError the file was refused with
    FAILED = "failed"  # a readable reason; the child may be in a bad state, so it is replaced
    OVER_MEMORY = "over-memory"  # None: an allocation failed under RLIMIT_AS


@dataclass(frozen=True)
class Limits:
    seconds: float
    memory_mb: int


class Sandbox:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        self._served = 0

    def extract(
        self,
        path: str,
        name: str,
        captions: Sequence[tuple[str, str]] = (),
        heartbeat: Callable[[], bool] | None = None,
        beat_seconds: float = 0.5,
    ) -> Extraction:
        """Extract the file at `path` (named `name`) in the child.

        Raises the child's MawridError (UnsupportedFormat, TooLarge) when the
        file is refused, LimitExceeded when it broke the time or memory limit,
        ExtractionFailed when the child failed or died otherwise, Abandoned
        when `heartbeat` returned False.
        """
        conn = self._start()
        deadline = time.monotonic() + self.limits.seconds
        try:
            conn.send((path, name, list(captions)))
            while not conn.poll(max(0.0, min(deadline - time.monotonic(), beat_seconds))):
                if time.monotonic() >= deadline:
                    raise LimitExceeded(_over_time(self.limits))
                if heartbeat is not None and not heartbeat():
                    raise Abandoned(name)
        except BaseException:
            self.close()  # never leave a child busy with an answer nobody will read
            raise
        message = _receive(conn)
        if message is None:
            raise _death(self.close(), self.limits)
        status, payload = message
        self._served += 1
        if status in (Outcome.FAILED, Outcome.OVER_MEMORY) or self._served >= MAX_FILES:
            self.close()
        if status is Outcome.OK:
            return payload  # type: ignore[no-any-return]
        if status is Outcome.REFUSED:
            raise payload
        if status is Outcome.OVER_MEMORY:
            raise LimitExceeded(_over_memory(self.limits))
        raise ExtractionFailed(payload)

    def _start(self) -> Connection:
        if self._child is None or self._conn is None or not self._child.is_alive():
            self.close()
            parent, child = CTX.Pipe()
            self._child = CTX.Process(target=_serve, args=(child, self.limits), daemon=True)
            self._child.start()
            child.close()
            self._conn, self._served = parent, 0
        return self._conn

    def close(self) -> int | None:
        """Stop the child (at once: it holds nothing worth saving); returns its exit code."""
        child, conn, self._child, self._conn = self._child, self._conn, None, None
        if conn is not None:
            conn.close()
        if child is None:
            return None
        if child.is_alive():
            child.kill()
        child.join(5)
        return child.exitcode

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_INTERNAL = [
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]+", re.I), "[internal address]"),  # endpoints, s3:// URLs
    (re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\s'\"\\/:;,()\[\]]+){2,}[\\/]?"), "[internal path]"),
    (re.compile(r"\b(?:[0-9a-f]{2}/[0-9a-f]{2}/)?[0-9a-f]{64}\b"), "[stored object]"),  # object keys, digests
]


def readable_reason(text: str, names: Mapping[str, str] | None = None) -> str:
    """`text` (a library's or a store's message) fit to show a librarian: each path in `names` becomes
    the file's own name, and any other absolute path, URL or object key a placeholder."""
    for path, name in (names or {}).items():
        text = text.replace(path, name)
    for pattern, placeholder in _INTERNAL:
        text = pattern.sub(placeholder, text)
    return text


def run_limited(
    path: str,
    name: str,
    limits: Limits,
    captions: Sequence[tuple[str, str]] = (),
    heartbeat: Callable[[], bool] | None = None,
) -> Extraction:
    """One extraction in a child of its own (what `mawrid extract` runs)."""
    with Sandbox(limits) as sandbox:
        return sandbox.extract(path, name, captions, heartbeat)


def warm_up() -> None:
    """Load what extraction loads lazily (image plugins, PDF code paths) in a long-lived parent, once,
    so the children it forks start with it."""
    from PIL import Image
    from pypdf import PdfWriter

    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(blank)
    image = io.BytesIO()
    Image.new("RGB", (16, 16)).save(image, "PNG")
    for name, data in (("warm-up.pdf", blank.getvalue()), ("warm-up.png", image.getvalue())):
        extract_file(io.BytesIO(data), name)


def _receive(conn: Connection) -> tuple[Outcome, Any] | None:
    try:
        return conn.recv()  # type: ignore[no-any-return]
    except (EOFError, OSError):
        return None  # the child died before answering


def _over_time(limits: Limits) -> str:
    return f"the extraction exceeded the time limit of {limits.seconds:g} seconds"


def _over_memory(limits: Limits) -> str:
    return f"the extraction exceeded the memory limit of {limits.memory_mb} MB"


# Under RLIMIT_AS an allocation beyond the limit fails. Python raises MemoryError, but C and C++
# readers (PDFium on a stream bomb) abort on a failed allocation (SIGABRT), and the kernel's
# out-of-memory killer sends SIGKILL (the parent's own kill at the deadline never gets here).
# SIGXCPU is the CPU-time backstop of the time limit.
MEMORY_SIGNALS = (signal.SIGABRT, signal.SIGKILL)


def _death(exitcode: int | None, limits: Limits) -> ExtractionFailed:
    if exitcode is not None and exitcode < 0:
        sig = signal.Signals(-exitcode)
        if sig in MEMORY_SIGNALS:
            return LimitExceeded(_over_memory(limits))
        if sig is signal.SIGXCPU:
            return LimitExceeded(_over_time(limits))
        return ExtractionFailed(f"the file crashed its reader ({sig.name})")
    return ExtractionFailed(f"the extraction process stopped without an answer (exit status {exitcode})")


# --- the child -----------------------------------------------------------------------------------


def _serve(conn: Connection, limits: Limits) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            request: Request = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe
        _allow_cpu(limits.seconds)
        with ocr.time_budget(limits.seconds * OCR_SHARE):
            conn.send(_extract(request))


def _allow_cpu(seconds: float) -> None:
    """A CPU-time ceiling for this file: what the process has used so far, plus the limit and a grace."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ceiling = int(usage.ru_utime + usage.ru_stime + seconds) + CPU_GRACE_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (ceiling, resource.getrlimit(resource.RLIMIT_CPU)[1]))


def _extract(request: Request) -> tuple[Outcome, Any]:
    path, name, captions = request
    try:
        with ExitStack() as files:
            stream = files.enter_context(open(path, "rb"))
            caption_streams = [(n, files.enter_context(open(p, "rb"))) for n, p in captions]
            return (Outcome.OK, extract_file(stream, name, caption_streams))
    except MawridError as exc:
        return (Outcome.REFUSED, exc)
    except MemoryError:
        return (Outcome.OVER_MEMORY, None)
    except RecursionError:
        return (Outcome.REFUSED, UnsupportedFormat("the document is nested too deeply to be read"))
    except Exception as exc:  # a reader's bug or an unforeseen file: reported on the job, retried
        detail = readable_reason(f"{type(exc).__name__}: {exc}", {path: name})
        return (Outcome.FAILED, f"the extraction failed: {detail}")
