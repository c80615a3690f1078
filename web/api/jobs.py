"""The ingest queue over JSON, for staff: what is queued, running, done or failed, and why."""

from __future__ import annotations

from fastapi import APIRouter, Request

from repository.db.uow import reading
from repository.domain import IngestJob, JobStatus
from repository.errors import InvalidInput, NotFound
from repository.jobs import queue
from repository.jobs.queue import JobOrder
from web import auth
from web.api.models import JobOut
from web.auth import wiring_of
from web.params import MAX_ROW_ID, RowId, parse_count

router = APIRouter(prefix="/api/jobs", tags=["ingest jobs"])
MAX_IDS = 500


def _out(job: IngestJob) -> JobOut:
    return JobOut.model_validate(job, from_attributes=True).model_copy(update={"status": job.status.value})


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
    wanted: list[int] | None = None
    if ids:
        parsed = [parse_count(i) for i in ids.split(",") if i]
        if len(parsed) > MAX_IDS or not all(i is not None and i <= MAX_ROW_ID for i in parsed):
            raise InvalidInput(f"ids is a comma-separated list of at most {MAX_IDS} job ids")
        wanted = [i for i in parsed if i is not None]
    with reading(wiring_of(request).engine) as conn:
        views = queue.list_jobs(conn, status, limit, item_id=item or None, ids=wanted, order=JobOrder.CHANGED)
    return [_out(v.job) for v in views]


@router.get("/{job_id}", response_model=JobOut, summary="One ingest job")
def get_job(request: Request, job_id: RowId) -> JobOut:
    auth.require_staff(request)
    with reading(wiring_of(request).engine) as conn:
        found = queue.list_jobs(conn, limit=1, ids=[job_id])
    if not found:
        raise NotFound(f"no ingest job {job_id}")
    return _out(found[0].job)
