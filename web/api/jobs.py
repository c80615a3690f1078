"""The ingest queue over JSON, for staff: what is queued, running, done or failed, and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import JobStatus
from repository.errors import InvalidInput, NotFound
from web import auth
from web.api.models import JobOut
from web.auth import wiring_of
from web.params import MAX_ROW_ID, RowId, parse_count

router = APIRouter(prefix="/api/jobs", tags=["ingest jobs"])
MAX_IDS = 500


def _out(row: object) -> JobOut:
    return JobOut.model_validate(row, from_attributes=True)


@router.get("", response_model=list[JobOut], summary="Ingest jobs, newest change first")
def list_jobs(
    request: Request,
    status: JobStatus | None = None,
    item: str | None = None,
    ids: str | None = None,
    limit: int = 50,
) -> list[JobOut]:
    auth.require_staff(request)
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500")
    query = select(t.ingest_jobs).order_by(t.ingest_jobs.c.updated.desc(), t.ingest_jobs.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(t.ingest_jobs.c.status == status.value)
    if item:
        query = query.where(t.ingest_jobs.c.item_id == item)
    if ids:
        wanted = [parse_count(i) for i in ids.split(",") if i]
        if len(wanted) > MAX_IDS or not all(i is not None and i <= MAX_ROW_ID for i in wanted):
            raise InvalidInput(f"ids is a comma-separated list of at most {MAX_IDS} job ids")
        query = query.where(t.ingest_jobs.c.id.in_(wanted))
    with reading(wiring_of(request).engine) as conn:
        return [_out(r) for r in conn.execute(query)]


@router.get("/{job_id}", response_model=JobOut, summary="One ingest job")
def get_job(request: Request, job_id: RowId) -> JobOut:
    auth.require_staff(request)
    with reading(wiring_of(request).engine) as conn:
        row = conn.execute(select(t.ingest_jobs).where(t.ingest_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no ingest job {job_id}")
    return _out(row)
