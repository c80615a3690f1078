"""The librarian workspace: dashboard, item lists, upload, the ingest queue, batch import, API tokens.

Every route needs a signed-in staff member; every form carries the CSRF
token (`auth.check_csrf`). Pages call the same services as the API and CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import JobStatus, Status, Visibility, utcnow
from repository.errors import InvalidInput, InvalidMetadata, MawridError, TooLarge
from repository.filenames import check_filename
from repository.jobs import queue as jobs_service
from repository.jobs.queue import JobOrder
from repository.services import batch, users
from repository.services.files import NewFile, deposit_with_files
from web import auth
from web.auth import wiring_of
from web.housekeeping import import_folder
from web.i18n import N_
from web.limits import takes_uploads
from web.params import RowId
from web.templating import render
from web.views.forms import collections_by_community, form_date, upload_context, upload_metadata, uploaded_files
from web.views.paging import Pager
from web.wiring import spool_dir

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require_staff), Depends(auth.check_csrf)])


@router.get("/workspace")
def dashboard(request: Request) -> Response:
    with reading(wiring_of(request).engine) as conn:
        statuses: dict[str, int] = dict(
            conn.execute(select(t.items.c.status, func.count()).group_by(t.items.c.status)).all()
        )
        jobs = jobs_service.count_jobs(conn)
        recent = records.load_items(
            conn, conn.execute(select(t.items).order_by(t.items.c.datestamp.desc(), t.items.c.id).limit(8))
        )
    return render(request, "workspace/dashboard.html", {"statuses": statuses, "jobs": jobs, "recent": recent})


@router.get("/workspace/items")
def item_list(request: Request, status: str = "", collection: str = "", page: int = 1) -> Response:
    where = []
    if status in {s.value for s in Status}:
        where.append(t.items.c.status == status)
    if collection:
        where.append(t.items.c.collection_id == collection)
    with reading(wiring_of(request).engine) as conn:
        total = conn.execute(select(func.count()).select_from(t.items).where(*where)).scalar_one()
        pager = Pager.of(request.url, page, int(total), per_page=25)
        rows = conn.execute(
            select(t.items)
            .where(*where)
            .order_by(t.items.c.datestamp.desc(), t.items.c.id)
            .limit(pager.per_page)
            .offset(pager.offset)
        )
        found = records.load_items(conn, rows)
    return render(
        request,
        "workspace/items.html",
        {
            "items": found,
            "pager": pager,
            "status": status,
            "collection": collection,
            "groups": collections_by_community(request),
        },
    )


# --- upload -------------------------------------------------------------------------------


@router.get("/workspace/upload")
def upload_form(request: Request) -> Response:
    return render(request, "workspace/upload.html", upload_context(request))


@router.post("/workspace/upload")
@takes_uploads
async def upload(request: Request) -> Response:
    form = await request.form()
    wiring = wiring_of(request)
    actor = auth.current_actor(request)
    files = uploaded_files(form)
    meta, provisional = upload_metadata(form, files)
    embargo = form_date(form.get("embargo_until"))
    visibility = Visibility.RESTRICTED if form.get("visibility") == "restricted" else Visibility.PUBLIC

    def work() -> tuple[str, list[tuple[str, str]]]:
        deposited = deposit_with_files(
            wiring.uow(),
            wiring.store,
            actor,
            str(form.get("collection", "")),
            meta,
            [NewFile(f.file, f.filename or "", size=f.size) for f in files],
            visibility=visibility,
            embargo_until=embargo,
            suggestions={batch.PROVISIONAL: provisional} if provisional else None,
            max_bytes=wiring.settings.max_upload_bytes,
        )
        with reading(wiring.engine) as conn:  # the check `mawrid import` skips duplicates with
            held = [
                (ref.name, holder)
                for ref in deposited.item.originals()
                if (holder := records.item_holding(conn, ref.sha256, other_than=deposited.item.id))
            ]
        return deposited.item.id, held

    try:
        item_id, held = await run_in_threadpool(work)
    except (InvalidMetadata, InvalidInput, TooLarge) as exc:
        values = {k: v for k, v in form.items() if not isinstance(v, UploadFile)}
        context = upload_context(request, values) | {"error": exc}
        return render(request, "workspace/upload.html", context, status_code=exc.http_status)
    finally:
        for upload_file in files:
            await upload_file.close()
    auth.flash(request, N_("The item was created; its files are queued for extraction."), "success")
    for name, holder in held:
        link = (f"/workspace/items/{holder}", f"{name} → {holder}")
        auth.flash(
            request, N_("This file is already in another item; delete this draft if it is a duplicate:"), "error", link
        )
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


# --- ingest queue ---------------------------------------------------------------------------


def job_rows(request: Request, status: str = "", limit: int = 100) -> list[dict[str, Any]]:
    if status and status not in {s.value for s in JobStatus}:
        return []  # a status no job can have lists none
    with reading(wiring_of(request).engine) as conn:
        views = jobs_service.list_jobs(
            conn, JobStatus(status) if status else None, limit, order=JobOrder.CHANGED, with_titles=True
        )
    return [
        {
            "id": v.job.id,
            "item_id": v.job.item_id,
            "file_name": v.file_name,
            "status": v.job.status.value,
            "attempts": v.job.attempts,
            "error": v.job.error,
            "updated": v.job.updated,
            "created": v.job.created,
            "worker": v.job.worker,
            "title": v.item_title,
        }
        for v in views
    ]


@router.get("/workspace/jobs")
def jobs(request: Request, status: str = "") -> Response:
    with reading(wiring_of(request).engine) as conn:
        counts = jobs_service.count_jobs(conn)
    return render(
        request, "workspace/jobs.html", {"jobs": job_rows(request, status), "status": status, "counts": counts}
    )


@router.post("/workspace/jobs/retry")
def retry_jobs(request: Request) -> Response:
    """Queue every failed job again (after a fix to the worker, or a file replaced in the store)."""
    jobs_service.retry_failed(wiring_of(request).uow(), utcnow())
    return RedirectResponse("/workspace/jobs?status=queued", status_code=303)


# --- batch import ---------------------------------------------------------------------------


@router.get("/workspace/import")
def import_form(request: Request) -> Response:
    return render(
        request, "workspace/import.html", {"groups": collections_by_community(request), "columns": batch.COLUMNS}
    )


@router.get("/workspace/import/template.csv")
def import_template() -> Response:
    return PlainTextResponse(
        "\ufeff" + batch.sheet_template(),  # the BOM makes spreadsheet programs read UTF-8 Arabic correctly
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="mawrid-import-template.csv"'},
    )


@router.post("/workspace/import")
@takes_uploads
async def run_import(request: Request) -> Response:
    form = await request.form()
    wiring = wiring_of(request)
    actor = auth.current_actor(request)
    sheet = form.get("sheet")
    files = uploaded_files(form)
    publish = form.get("publish") == "yes"
    collection = str(form.get("collection", ""))

    def work(folder: Path) -> batch.ImportResult:
        if not isinstance(sheet, UploadFile) or not sheet.filename:
            raise InvalidInput("choose the CSV sheet to import")
        (folder / batch.SHEET_NAME).write_bytes(sheet.file.read())
        for upload_file in files:
            target = folder / check_filename(Path(upload_file.filename or "").name)
            with target.open("wb") as out:
                while chunk := upload_file.file.read(1024 * 1024):
                    out.write(chunk)
        problems: list[str] = []
        entries = batch.read_sheet(folder / batch.SHEET_NAME, confined=True, problems=problems)
        return batch.import_entries(
            wiring.uow(),
            wiring.store,
            actor,
            entries,
            collection,
            publish=publish,
            max_bytes=wiring.settings.max_upload_bytes,
            problems=problems,
        )

    with import_folder(spool_dir(wiring.settings)) as folder:
        try:
            result = await run_in_threadpool(work, folder)
        except MawridError as exc:
            context = {"groups": collections_by_community(request), "columns": batch.COLUMNS, "error": exc}
            return render(request, "workspace/import.html", context, status_code=exc.http_status)
    return render(request, "workspace/import_done.html", {"result": result})


# --- API tokens -----------------------------------------------------------------------------


def _tokens_of(request: Request, user_id: int) -> list[Any]:
    with reading(wiring_of(request).engine) as conn:
        return list(
            conn.execute(
                select(t.api_tokens.c.id, t.api_tokens.c.label, t.api_tokens.c.created, t.api_tokens.c.last_used)
                .where(t.api_tokens.c.user_id == user_id)
                .order_by(t.api_tokens.c.created.desc())
            ).all()
        )


@router.get("/workspace/tokens")
def tokens(request: Request) -> Response:
    user = auth.require_staff(request)
    return render(request, "workspace/tokens.html", {"tokens": _tokens_of(request, user.id), "new_token": None})


@router.post("/workspace/tokens")
async def create_token(request: Request) -> Response:
    user = auth.require_staff(request)
    label = str((await request.form()).get("label", "")).strip()[:100]
    secret = await run_in_threadpool(users.create_api_token, wiring_of(request).uow(), user.id, label)
    mine = await run_in_threadpool(_tokens_of, request, user.id)
    # Shown once, in this response only: the database keeps just its hash.
    return render(
        request, "workspace/tokens.html", {"tokens": mine, "new_token": secret}, headers={"cache-control": "no-store"}
    )


@router.post("/workspace/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId) -> Response:
    user = auth.require_staff(request)
    users.revoke_api_token(wiring_of(request).uow(), user.id, token_id)
    return RedirectResponse("/workspace/tokens", status_code=303)
