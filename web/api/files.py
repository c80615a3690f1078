"""An item's files over HTTP: streaming upload, listing, download, removal."""

from __future__ import annotations

from typing import BinaryIO, Literal, cast
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from repository.domain import FileRole
from repository.errors import InvalidInput, NotFound
from repository.services.files import add_file, remove_file
from web import auth
from web.api.models import FileAdded, FileOut
from web.api.streams import BodyReader
from web.auth import wiring_of
from web.downloads import serve_file
from web.limits import takes_uploads
from web.params import RowId
from web.views.item_view import load_for_reader

router = APIRouter(prefix="/api/items/{item_id}/files", tags=["files"], dependencies=[Depends(auth.check_csrf)])


def _base(request: Request) -> str:
    return wiring_of(request).settings.base_url.rstrip("/")


@router.get("", response_model=list[FileOut], summary="The item's files, if they are open to the caller")
def list_files(request: Request, item_id: str) -> list[FileOut]:
    item, _, _, files_open = load_for_reader(request, item_id)
    return [FileOut.of(f, _base(request)) for f in item.files] if files_open else []


@router.post(
    "",
    status_code=202,
    response_model=FileAdded,
    summary="Upload a file as the raw request body; its ingest job is queued",
    description="Send the bytes as the body (any Content-Type) and the original filename as `name`. "
    "A body larger than the upload limit is refused from its Content-Length before it is read.",
)
@takes_uploads
async def upload_file(
    request: Request, item_id: str, name: str, role: Literal["original", "caption"] = "original"
) -> Response:
    auth.require_staff(request)
    wiring = wiring_of(request)
    added = await run_in_threadpool(
        add_file,
        wiring.uow(),
        wiring.store,
        auth.current_actor(request),
        item_id,
        cast(BinaryIO, BodyReader(request)),
        unquote(name),
        role=FileRole(role),
        max_bytes=wiring.settings.max_upload_bytes,
    )
    job_url = f"/api/jobs/{added.job_id}" if added.job_id is not None else None
    body = FileAdded(file=FileOut.of(added.file, _base(request)), job_id=added.job_id, job_url=job_url)
    headers = {"location": f"/api/items/{item_id}/files/{added.file.id}"}
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers=headers)


@router.get("/{file_id}", response_model=FileOut, summary="One file's details")
def get_file(request: Request, item_id: str, file_id: RowId) -> FileOut:
    item, _, _, files_open = load_for_reader(request, item_id)
    ref = next((f for f in item.files if f.id == file_id), None)
    if ref is None or not files_open:
        raise NotFound(f"no file {file_id} in item {item_id}")
    return FileOut.of(ref, _base(request))


@router.head("/{file_id}/content", include_in_schema=False)
@router.get("/{file_id}/content", summary="The file's bytes (Range, ETag and HEAD supported)")
def download(request: Request, item_id: str, file_id: RowId) -> Response:
    item, _, today, files_open = load_for_reader(request, item_id)
    ref = next((f for f in item.files if f.id == file_id), None)
    if ref is None or not files_open:
        raise NotFound(f"no file {file_id} in item {item_id}")
    return serve_file(request, wiring_of(request).store, ref, public=item.is_public(today))


@router.delete("/{file_id}", status_code=204, summary="Remove a file and its derivatives from the item")
def delete_file(request: Request, item_id: str, file_id: RowId) -> Response:
    auth.require_staff(request)
    if file_id < 1:
        raise InvalidInput("file ids are positive")
    remove_file(wiring_of(request).uow(), auth.current_actor(request), item_id, file_id)
    return Response(status_code=204)
