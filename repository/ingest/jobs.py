"""The ingest queue: jobs in the metadata database, created with their file row in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from repository.db import tables as t
from repository.domain import JobStatus


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
