"""Resumable uploads: the tus 1.0 protocol (core + creation + termination) at /api/uploads.

A client creates an upload naming the item and filename in Upload-Metadata,
then PATCHes bytes; every byte received is on disk at once, so after a
dropped connection the client asks HEAD for the offset and continues from
there. When the last byte arrives the file goes through `add_file` like any
other upload (stored, recorded, ingest job queued) and the partial file is
removed. Partial uploads live in `<data_dir>/uploads/`, so all web
processes of one machine share them.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRole
from repository.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge, UnsupportedFormat
from repository.filenames import check_filename
from repository.services.files import add_file
from web import auth
from web.auth import wiring_of
from web.params import parse_count

router = APIRouter(prefix="/api/uploads", tags=["resumable uploads (tus 1.0)"], dependencies=[Depends(auth.check_csrf)])
VERSION = "1.0.0"
TUS_HEADERS = {"tus-resumable": VERSION}


class PreconditionFailed(InvalidInput):
    http_status, slug = 412, "unsupported-tus-version"


def _dir(request: Request) -> Path:
    path = wiring_of(request).settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != VERSION:
        raise PreconditionFailed(f"this server speaks tus {VERSION}; send Tus-Resumable: {VERSION}")


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64value` pairs (tus 1.0 §Upload-Metadata)."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            out[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"Upload-Metadata value of {key!r} is not base64 UTF-8") from exc
    return out


def _info_path(request: Request, upload_id: str) -> Path:
    if not upload_id.isalnum():
        raise NotFound(f"no upload {upload_id}")
    return _dir(request) / f"{upload_id}.json"


def _load(request: Request, upload_id: str) -> dict[str, Any]:
    path = _info_path(request, upload_id)
    if not path.exists():
        raise NotFound(f"no upload {upload_id}")
    info: dict[str, Any] = json.loads(path.read_text())
    if info["user_id"] != auth.require_staff(request).id:
        raise NotFound(f"no upload {upload_id}")  # another librarian's upload is none of this caller's business
    return info


def _offset(request: Request, upload_id: str, info: dict[str, Any]) -> int:
    if info.get("file_id"):
        return int(info["length"])
    part = _dir(request) / f"{upload_id}.part"
    return part.stat().st_size if part.exists() else 0


@router.options("", status_code=204, summary="What this tus server supports")
def capabilities(request: Request) -> Response:
    return Response(
        status_code=204,
        headers=TUS_HEADERS
        | {
            "tus-version": VERSION,
            "tus-extension": "creation,termination",
            "tus-max-size": str(wiring_of(request).settings.max_upload_bytes),
        },
    )


@router.post("", status_code=201, summary="Create an upload (metadata: item, filename, optional role)")
def create(request: Request) -> Response:
    _check_version(request)
    user = auth.require_staff(request)
    length = parse_count(request.headers.get("upload-length", ""))
    if length is None:
        raise InvalidInput("Upload-Length is required (deferred length is not supported)")
    if length > wiring_of(request).settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than the limit of {wiring_of(request).settings.max_upload_bytes} bytes")
    meta = parse_metadata(request.headers.get("upload-metadata", ""))
    item_id, filename = meta.get("item", ""), check_filename(meta.get("filename", ""))
    role = meta.get("role", "original")
    if role not in ("original", "caption"):
        raise InvalidInput("role must be original or caption")
    with reading(wiring_of(request).engine) as conn:
        records.load_item(conn, item_id)  # NotFound before any byte is sent
    upload_id = secrets.token_hex(16)
    info = {"item": item_id, "filename": filename, "role": role, "length": length, "user_id": user.id}
    (_dir(request) / f"{upload_id}.part").touch()
    _info_path(request, upload_id).write_text(json.dumps(info))
    return Response(status_code=201, headers=TUS_HEADERS | {"location": f"/api/uploads/{upload_id}"})


@router.head("/{upload_id}", summary="How many bytes of the upload the server has")
def offset(request: Request, upload_id: str) -> Response:
    _check_version(request)
    info = _load(request, upload_id)
    headers = TUS_HEADERS | {
        "upload-offset": str(_offset(request, upload_id, info)),
        "upload-length": str(info["length"]),
        "cache-control": "no-store",
    }
    if info.get("file_id"):
        headers["x-mawrid-file"] = f"/api/items/{info['item']}/files/{info['file_id']}"
    return Response(status_code=200, headers=headers)


@router.patch("/{upload_id}", status_code=204, summary="Append bytes at Upload-Offset")
async def append(request: Request, upload_id: str) -> Response:
    _check_version(request)
    if request.headers.get("content-type") != "application/offset+octet-stream":
        raise UnsupportedFormat("PATCH bodies must be application/offset+octet-stream")
    info = await run_in_threadpool(_load, request, upload_id)
    part = _dir(request) / f"{upload_id}.part"
    current = _offset(request, upload_id, info)
    if request.headers.get("upload-offset") != str(current):
        raise Conflict(f"Upload-Offset must be {current}, the bytes the server already has")
    if info.get("file_id"):
        raise Conflict("this upload is already complete")
    received = current
    async with await anyio.open_file(part, "ab") as out:
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > info["length"]:
                    await out.truncate(current)
                    raise InvalidInput("more bytes than the declared Upload-Length")
                await out.write(chunk)
        except ClientDisconnect:
            pass  # what arrived is kept: the client resumes from the new offset
        await out.flush()
    if received == info["length"]:
        info = await run_in_threadpool(_finish, request, upload_id, info, part)
    headers = TUS_HEADERS | {"upload-offset": str(received)}
    if info.get("file_id"):
        headers["x-mawrid-file"] = f"/api/items/{info['item']}/files/{info['file_id']}"
        if info.get("job_id"):
            headers["x-mawrid-job"] = f"/api/jobs/{info['job_id']}"
    return Response(status_code=204, headers=headers)


def _finish(request: Request, upload_id: str, info: dict[str, Any], part: Path) -> dict[str, Any]:
    wiring = wiring_of(request)
    with part.open("rb") as fh:
        added = add_file(
            wiring.uow(),
            wiring.store,
            auth.current_actor(request),
            info["item"],
            fh,
            info["filename"],
            role=FileRole(info["role"]),
            max_bytes=wiring.settings.max_upload_bytes,
        )
    # Keep a small record so a client that lost the final response learns the upload is done.
    info = info | {"file_id": added.file.id, "job_id": added.job_id}
    _info_path(request, upload_id).write_text(json.dumps(info))
    part.unlink(missing_ok=True)
    return info


@router.delete("/{upload_id}", status_code=204, summary="Abandon an upload (termination extension)")
def terminate(request: Request, upload_id: str) -> Response:
    _check_version(request)
    info = _load(request, upload_id)
    if info.get("file_id"):
        raise Forbidden("a finished upload is a file of its item now; remove the file instead")
    (_dir(request) / f"{upload_id}.part").unlink(missing_ok=True)
    _info_path(request, upload_id).unlink(missing_ok=True)
    return Response(status_code=204, headers=TUS_HEADERS)
