"""The ingest queue: jobs in the metadata database, created with their file row in one transaction.

A worker claims a job by taking a lease on it: `status = running`,
`lease_until` in the near future, its own name in `worker`. PostgreSQL
workers on many machines skip each other's locked rows (`FOR UPDATE SKIP
LOCKED`); on SQLite a unit of work begins IMMEDIATE, so claims are
serialised by the database lock. A live worker renews its lease while it
works; a worker that dies stops renewing, and once the lease runs out the job
is claimed again. Every claim counts an attempt, so a file that kills its
worker every time still ends `failed` after `max_attempts`. Failures are
retried with exponential backoff; refusals (a hostile or empty file) and
breaches of the time or memory limit fail at once, since trying again cannot
help. A job's error is read by librarians: the worker passes it through
`sandbox.readable_reason`, which keeps our storage layout out of what
libraries and stores say.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from repository.db import tables as t
from repository.db.uow import UnitOfWork
from repository.domain import IngestJob, JobStatus
from repository.errors import InvalidInput

RETRY_BACKOFF_SECONDS = 30.0  # first retry after 30 s, then 60 s, 120 s, ... capped at an hour
MAX_BACKOFF_SECONDS = 3600.0


@dataclass(frozen=True)
class QueuePolicy:
    lease_seconds: float = 60
    max_attempts: int = 3
    backoff_seconds: float = RETRY_BACKOFF_SECONDS


def enqueue(conn: Connection, file_id: int, item_id: str, now: datetime) -> int:
    """Queue extraction of a file; call inside the transaction that inserts the file row."""
    query = insert(t.ingest_jobs).values(
        file_id=file_id,
        item_id=item_id,
        status=JobStatus.QUEUED.value,
        attempts=0,
        run_after=now,
        created=now,
        updated=now,
    )
    return int(conn.execute(query.returning(t.ingest_jobs.c.id)).scalar_one())


def job_from_row(row: Row[Any]) -> IngestJob:
    return IngestJob(
        id=row.id,
        file_id=row.file_id,
        item_id=row.item_id,
        status=JobStatus(row.status),
        attempts=row.attempts,
        created=row.created,
        updated=row.updated,
        error=row.error,
        lease_until=row.lease_until,
        worker=row.worker,
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    queued = and_(t.ingest_jobs.c.status == JobStatus.QUEUED.value, t.ingest_jobs.c.run_after <= now)
    expired = and_(t.ingest_jobs.c.status == JobStatus.RUNNING.value, t.ingest_jobs.c.lease_until < now)
    return or_(queued, expired)


def claim(uow: UnitOfWork, worker: str, policy: QueuePolicy, now: datetime) -> IngestJob | None:
    """Lease the next due job to `worker`, or None when nothing is due.

    A job whose lease ran out (its worker died) is claimed again; one that has
    already used up its attempts that way is marked failed instead.
    """
    with uow:
        conn = uow.conn
        query = (
            select(t.ingest_jobs)
            .where(_claimable(now))
            .order_by(t.ingest_jobs.c.run_after, t.ingest_jobs.c.id)
            .limit(1)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        while (row := conn.execute(query).first()) is not None:
            if row.status == JobStatus.RUNNING.value and row.attempts >= policy.max_attempts:
                _finish(conn, row.id, JobStatus.FAILED, now, _died_reason(row.attempts))
                continue
            conn.execute(
                update(t.ingest_jobs)
                .where(t.ingest_jobs.c.id == row.id)
                .values(
                    status=JobStatus.RUNNING.value,
                    attempts=row.attempts + 1,
                    lease_until=now + timedelta(seconds=policy.lease_seconds),
                    worker=worker,
                    updated=now,
                )
            )
            return load_job(conn, row.id)
        return None


def _died_reason(attempts: int) -> str:
    return (
        f"the worker processing this file stopped {attempts} times without finishing "
        "(killed, or out of memory?); the file may be too large or damaged"
    )


def renew(uow: UnitOfWork, job_id: int, worker: str, policy: QueuePolicy, now: datetime) -> bool:
    """Extend the lease; False when the job is no longer this worker's (its lease ran out and it was re-claimed)."""
    with uow:
        done = uow.conn.execute(
            update(t.ingest_jobs)
            .where(
                t.ingest_jobs.c.id == job_id,
                t.ingest_jobs.c.worker == worker,
                t.ingest_jobs.c.status == JobStatus.RUNNING.value,
            )
            .values(lease_until=now + timedelta(seconds=policy.lease_seconds), updated=now)
        )
        return done.rowcount == 1


def complete(conn: Connection, job_id: int, now: datetime) -> None:
    """Mark a job done; call in the transaction that applies its extraction, so both commit together."""
    _finish(conn, job_id, JobStatus.DONE, now, None)


def _finish(conn: Connection, job_id: int, status: JobStatus, now: datetime, error: str | None) -> None:
    conn.execute(
        update(t.ingest_jobs)
        .where(t.ingest_jobs.c.id == job_id)
        .values(status=status.value, error=error, lease_until=None, updated=now)
    )


def fail(
    uow: UnitOfWork, job_id: int, worker: str, reason: str, policy: QueuePolicy, now: datetime, *, retry: bool
) -> JobStatus:
    """Record a failed attempt: queued again after a backoff while attempts remain, else failed with `reason`."""
    with uow:
        row = uow.conn.execute(select(t.ingest_jobs).where(t.ingest_jobs.c.id == job_id)).first()
        if row is None or row.worker != worker or row.status != JobStatus.RUNNING.value:
            return JobStatus(row.status) if row is not None else JobStatus.FAILED  # no longer ours
        if retry and row.attempts < policy.max_attempts:
            delay = min(policy.backoff_seconds * 2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS)
            uow.conn.execute(
                update(t.ingest_jobs)
                .where(t.ingest_jobs.c.id == job_id)
                .values(
                    status=JobStatus.QUEUED.value,
                    run_after=now + timedelta(seconds=delay),
                    lease_until=None,
                    error=f"attempt {row.attempts} failed: {reason}",
                    updated=now,
                )
            )
            return JobStatus.QUEUED
        _finish(uow.conn, job_id, JobStatus.FAILED, now, reason)
        return JobStatus.FAILED


def release(uow: UnitOfWork, job_id: int, worker: str, now: datetime) -> None:
    """Give a job back untried (the worker is stopping): queued again at once, the attempt not counted."""
    with uow:
        uow.conn.execute(
            update(t.ingest_jobs)
            .where(
                t.ingest_jobs.c.id == job_id,
                t.ingest_jobs.c.worker == worker,
                t.ingest_jobs.c.status == JobStatus.RUNNING.value,
            )
            .values(
                status=JobStatus.QUEUED.value,
                attempts=case((t.ingest_jobs.c.attempts > 0, t.ingest_jobs.c.attempts - 1), else_=0),
                run_after=now,
                lease_until=None,
                updated=now,
            )
        )


def retry_failed(uow: UnitOfWork, now: datetime) -> int:
    """Queue every failed job again with fresh attempts; returns how many."""
    with uow:
        done = uow.conn.execute(
            update(t.ingest_jobs)
            .where(t.ingest_jobs.c.status == JobStatus.FAILED.value)
            .values(
                status=JobStatus.QUEUED.value, attempts=0, run_after=now, lease_until=None, worker=None, updated=now
            )
        )
        return int(done.rowcount)


def load_job(conn: Connection, job_id: int) -> IngestJob:
    row = conn.execute(select(t.ingest_jobs).where(t.ingest_jobs.c.id == job_id)).one()
    return job_from_row(row)


class JobOrder(enum.Enum):
    CHANGED = "changed"  # the latest change first: what the workspace and the API list
    NEWEST = "newest"  # the latest queued first: `mawrid jobs`
    OLDEST = "oldest"  # in the order they were queued: an item's files, a run's summary


_ORDER = {
    JobOrder.CHANGED: (t.ingest_jobs.c.updated.desc(), t.ingest_jobs.c.id.desc()),
    JobOrder.NEWEST: (t.ingest_jobs.c.id.desc(),),
    JobOrder.OLDEST: (t.ingest_jobs.c.id,),
}


@dataclass(frozen=True)
class JobView:
    """A job as operators see it: with its file's name and the warnings its extraction left, and, when
    asked for, its item's title (the first one, else the item's id)."""

    job: IngestJob
    file_name: str
    warnings: list[str]
    item_title: str | None = None


def _where(
    query: Select[Any],
    status: JobStatus | Collection[JobStatus] | None,
    item_id: str | None,
    ids: Collection[int] | None,
) -> Select[Any]:
    if isinstance(status, JobStatus):
        query = query.where(t.ingest_jobs.c.status == status.value)
    elif status is not None:
        query = query.where(t.ingest_jobs.c.status.in_([s.value for s in status]))
    if item_id is not None:
        query = query.where(t.ingest_jobs.c.item_id == item_id)
    if ids is not None:
        query = query.where(t.ingest_jobs.c.id.in_(list(ids)))
    return query


def list_jobs(
    conn: Connection,
    status: JobStatus | Collection[JobStatus] | None = None,
    limit: int | None = 1000,
    *,
    item_id: str | None = None,
    ids: Collection[int] | None = None,
    order: JobOrder = JobOrder.NEWEST,
    with_titles: bool = False,
) -> list[JobView]:
    """The jobs in `status` (one or several), of item `item_id`, among `ids`, at most `limit` (None: all).

    The one reader of the queue outside it: workers, pages, the API and the CLI all list through here.
    """
    query = select(t.ingest_jobs, t.files.c.name.label("file_name"), t.files.c.details.label("file_details")).join(
        t.files, t.files.c.id == t.ingest_jobs.c.file_id
    )
    if with_titles:
        query = query.add_columns(t.items.c.metadata.label("item_metadata"))
        query = query.join(t.items, t.items.c.id == t.ingest_jobs.c.item_id)
    query = _where(query, status, item_id, ids).order_by(*_ORDER[order])
    if limit is not None:
        query = query.limit(limit)
    return [
        JobView(
            job_from_row(r),
            r.file_name,
            list((r.file_details or {}).get("warnings", [])),
            _title(r.item_metadata, r.item_id) if with_titles else None,
        )
        for r in conn.execute(query)
    ]


def _title(metadata: dict[str, Any] | None, item_id: str) -> str:
    return str(((metadata or {}).get("titles") or [{"value": item_id}])[0]["value"])


def count_jobs(conn: Connection, ids: Collection[int] | None = None) -> dict[str, int]:
    """How many jobs are in each status (every status present, zero when none), optionally among `ids`."""
    query = _where(select(t.ingest_jobs.c.status, func.count()), None, None, ids).group_by(t.ingest_jobs.c.status)
    counts = {s.value: 0 for s in JobStatus}
    counts.update({status: n for status, n in conn.execute(query)})
    return counts


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
    """How a run of jobs ended (`pool.run_pending_jobs`)."""

    done: int  # including those that warned
    failures: list[Failure]
    warned: list[Warned] = field(default_factory=list)

    def needing_attention(self) -> set[str]:
        """The items with a failed job or a warned file."""
        return {f.item_id for f in self.failures} | {w.item_id for w in self.warned}


def summarize(conn: Connection, ids: Collection[int]) -> RunSummary:
    """The done, failed and warned among jobs `ids`."""
    views = list_jobs(conn, limit=None, ids=ids, order=JobOrder.OLDEST)
    failures = [
        Failure(v.job.id, v.job.item_id, v.file_name, v.job.error or "")
        for v in views
        if v.job.status is JobStatus.FAILED
    ]
    done = [v for v in views if v.job.status is JobStatus.DONE]
    warned = [Warned(v.job.id, v.job.item_id, v.file_name, v.warnings) for v in done if v.warnings]
    return RunSummary(done=len(done), failures=failures, warned=warned)


def parse_status(value: str | None) -> JobStatus | None:
    if value is None:
        return None
    try:
        return JobStatus(value)
    except ValueError as exc:
        raise InvalidInput(f"unknown job status {value!r}: use one of {', '.join(s.value for s in JobStatus)}") from exc
