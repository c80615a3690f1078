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

router = APIRouter(prefix="/api/jobs", tags=["ingest jobs"])


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
        try:
            query = query.where(t.ingest_jobs.c.id.in_([int(i) for i in ids.split(",") if i]))
        except ValueError as exc:
            raise InvalidInput("ids is a comma-separated list of job ids") from exc
    with reading(wiring_of(request).engine) as conn:
        return [_out(r) for r in conn.execute(query)]


@router.get("/{job_id}", response_model=JobOut, summary="One ingest job")
def get_job(request: Request, job_id: int) -> JobOut:
    auth.require_staff(request)
    with reading(wiring_of(request).engine) as conn:
        row = conn.execute(select(t.ingest_jobs).where(t.ingest_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no ingest job {job_id}")
    return _out(row)
