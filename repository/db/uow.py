"""The unit of work: one database transaction plus the work to run after it commits.

Every service that writes takes a `UnitOfWork` and does all its writes inside
one `with uow:` block, so a change and its consequences (a version row, an
ingest job, an index mark) commit together or not at all. Work that touches
the outside world — waking the index sync — is given as `on_commit` hooks and
runs only once the data it depends on is durable; if a hook fails, the outbox
marks in the database let the next sync repair what it missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from repository.errors import StoreUnavailable

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, engine: Engine, on_commit: Sequence[Callable[[], None]] = ()) -> None:
        self.engine = engine
        self.on_commit = on_commit
        self._conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        if self._conn is not None:
            raise RuntimeError("a unit of work is not re-entrant")
        try:
            self._conn = self.engine.connect().execution_options(mawrid_write=True)
            self._conn.begin()
        except OperationalError as exc:
            self._conn = None
            raise StoreUnavailable(f"metadata database unavailable: {exc.orig}") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self.conn, None
        try:
            if exc_type is None:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()
        if exc_type is None:
            for hook in self.on_commit:
                try:
                    hook()
                except Exception:  # the outbox repairs what an after-commit step missed
                    log.exception("after-commit work failed")


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: a consistent snapshot for pages and harvests."""
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise StoreUnavailable(f"metadata database unavailable: {exc.orig}") from exc
    with conn, conn.begin():
        yield conn
