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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, func, insert, or_, select, update
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


@dataclass(frozen=True)
class JobView:
    """A job as operators see it: with its file's name and the warnings its extraction left."""

    job: IngestJob
    file_name: str
    warnings: list[str]


def list_jobs(conn: Connection, status: JobStatus | None = None, limit: int = 1000) -> list[JobView]:
    """Newest first."""
    query = (
        select(t.ingest_jobs, t.files.c.name.label("file_name"), t.files.c.details.label("file_details"))
        .join(t.files, t.files.c.id == t.ingest_jobs.c.file_id)
        .order_by(t.ingest_jobs.c.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(t.ingest_jobs.c.status == status.value)
    return [
        JobView(job_from_row(r), r.file_name, list((r.file_details or {}).get("warnings", [])))
        for r in conn.execute(query)
    ]


def count_jobs(conn: Connection, job_ids: list[int] | None = None) -> dict[str, int]:
    """How many jobs are in each status (every status present, zero when none), optionally among `job_ids`."""
    query = select(t.ingest_jobs.c.status, func.count()).group_by(t.ingest_jobs.c.status)
    if job_ids is not None:
        query = query.where(t.ingest_jobs.c.id.in_(job_ids))
    counts = {s.value: 0 for s in JobStatus}
    counts.update({status: n for status, n in conn.execute(query)})
    return counts


def parse_status(value: str | None) -> JobStatus | None:
    if value is None:
        return None
    try:
        return JobStatus(value)
    except ValueError as exc:
        raise InvalidInput(f"unknown job status {value!r}: use one of {', '.join(s.value for s in JobStatus)}") from exc
