"""Resumable uploads: the tus 1.0 protocol (core + creation + termination + expiration) at /api/uploads.

A client creates an upload naming the item and filename in Upload-Metadata,
then PATCHes bytes; every byte received is on disk at once, so after a
dropped connection the client asks HEAD for the offset and continues from
there. When the last byte arrives the file goes through `add_file` like any
other upload (stored, recorded, ingest job queued) and the partial file is
removed. Partial uploads live in `<data_dir>/uploads/`, so all web
processes of one machine share them.

A PATCH holds an exclusive lock on the upload's `.part` file from before it
reads the offset until its bytes are written (and, for the last ones, the
file is recorded), so two PATCHes at one offset cannot both append: the
second waits a few seconds for the lock, then is refused with 423 Locked, or
409 once the offset has moved. The
lock is the kernel's (`flock`), shared by every process of the machine and
dropped if the process dies. An upload nobody has touched for
`MAWRID_TUS_EXPIRY_HOURS` expires (tus expiration extension: Upload-Expires)
and the housekeeping sweep removes it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import time
from email.utils import formatdate
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
from repository.objects import temp
from repository.services.batch import sha256_of
from repository.services.files import add_file
from web import auth
from web.auth import wiring_of
from web.limits import takes_uploads
from web.params import parse_count

router = APIRouter(prefix="/api/uploads", tags=["resumable uploads (tus 1.0)"], dependencies=[Depends(auth.check_csrf)])
VERSION = "1.0.0"
TUS_HEADERS = {"tus-resumable": VERSION}


class PreconditionFailed(InvalidInput):
    http_status, slug = 412, "unsupported-tus-version"


class UploadLocked(Conflict):
    """Another request is writing this upload (tusd answers the same way)."""

    http_status, slug = 423, "upload-locked"


LOCK_WAIT_SECONDS = 5.0  # how long a PATCH waits for the one before it to let go of the upload


def uploads_dir(data_dir: Path) -> Path:
    path = data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dir(request: Request) -> Path:
    return uploads_dir(wiring_of(request).settings.data_dir)


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


def _part_path(request: Request, upload_id: str) -> Path:
    return _info_path(request, upload_id).with_suffix(".part")


def _write_info(path: Path, info: dict[str, Any]) -> None:
    """Replace the upload's record whole: a crash leaves the old one or the new one."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(path)


def _read_info(path: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return info


def _load(request: Request, upload_id: str) -> dict[str, Any]:
    info = _read_info(_info_path(request, upload_id))
    if info is None or _expired(info, time.time()):
        raise NotFound(f"no upload {upload_id}")  # tus expiration: an expired upload answers 404
    if info["user_id"] != auth.require_staff(request).id:
        raise NotFound(f"no upload {upload_id}")  # another librarian's upload is none of this caller's business
    return info


def _expired(info: dict[str, Any], now: float) -> bool:
    return float(info.get("expires", 0)) <= now


def _expiry(request: Request, now: float) -> float:
    return now + wiring_of(request).settings.tus_expiry_hours * 3600


def _expires_header(info: dict[str, Any]) -> dict[str, str]:
    """Upload-Expires, an RFC 9110 HTTP-date (tus 1.0 §Expiration); none once the upload is a file."""
    if info.get("file_id"):
        return {}
    return {"upload-expires": formatdate(float(info["expires"]), usegmt=True)}


def _offset(request: Request, upload_id: str, info: dict[str, Any]) -> int:
    if info.get("file_id"):
        return int(info["length"])
    part = _part_path(request, upload_id)
    return part.stat().st_size if part.exists() else 0


@router.options("", status_code=204, summary="What this tus server supports")
def capabilities(request: Request) -> Response:
    return Response(
        status_code=204,
        headers=TUS_HEADERS
        | {
            "tus-version": VERSION,
            "tus-extension": "creation,termination,expiration",
            "tus-max-size": str(wiring_of(request).settings.max_upload_bytes),
        },
    )


@router.post("", status_code=201, summary="Create an upload (metadata: item, filename, optional role)")
@takes_uploads
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
    if int(length) == 0:
        raise InvalidInput(f"{filename} is empty (0 bytes): choose the file again, or another one")
    role = meta.get("role", "original")
    if role not in ("original", "caption"):
        raise InvalidInput("role must be original or caption")
    with reading(wiring_of(request).engine) as conn:
        records.load_item(conn, item_id)  # NotFound before any byte is sent
    upload_id = secrets.token_hex(16)
    info = {
        "item": item_id,
        "filename": filename,
        "role": role,
        "length": int(length),
        "user_id": user.id,
        "expires": _expiry(request, time.time()),
    }
    _part_path(request, upload_id).touch()
    _write_info(_info_path(request, upload_id), info)
    return Response(
        status_code=201,
        headers=TUS_HEADERS | _expires_header(info) | {"location": f"/api/uploads/{upload_id}"},
    )


@router.head("/{upload_id}", summary="How many bytes of the upload the server has")
def offset(request: Request, upload_id: str) -> Response:
    _check_version(request)
    info = _load(request, upload_id)
    if not info.get("file_id") and _offset(request, upload_id, info) == info["length"]:
        info = _finish_interrupted(request, upload_id, info)
    headers = (
        TUS_HEADERS
        | _expires_header(info)
        | {
            "upload-offset": str(_offset(request, upload_id, info)),
            "upload-length": str(info["length"]),
            "cache-control": "no-store",
        }
    )
    if info.get("file_id"):
        headers["x-mawrid-file"] = f"/api/items/{info['item']}/files/{info['file_id']}"
    return Response(status_code=200, headers=headers)


def _lock(request: Request, upload_id: str, wait: float = 0) -> int:
    """An open, locked descriptor of the upload's partial file, waiting up to `wait` seconds for a request
    still holding it (a dropped connection is noticed a moment after its bytes are kept); raises
    UploadLocked or Conflict."""
    part = _part_path(request, upload_id)
    deadline = time.monotonic() + wait
    fd = temp.try_hold(part, writable=True)
    while fd is None and part.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
        fd = temp.try_hold(part, writable=True)
    if fd is None:
        if not part.exists():
            raise Conflict("this upload is already complete")
        raise UploadLocked("another request is sending bytes to this upload; ask HEAD for the offset")
    return fd


def _finish_interrupted(request: Request, upload_id: str, info: dict[str, Any]) -> dict[str, Any]:
    """Every byte arrived but the server died before recording the file: a client that sees the full
    offset would not PATCH again, so its HEAD records the file now (unless a PATCH is doing it)."""
    try:
        fd = _lock(request, upload_id)
    except Conflict:
        return info
    try:
        info = _load(request, upload_id)
        if info.get("file_id") or os.fstat(fd).st_size != info["length"]:
            return info
        # The crash may have come after the file was recorded but before this record said so.
        digest = sha256_of(_part_path(request, upload_id))
        with reading(wiring_of(request).engine) as conn:
            item = records.load_item(conn, info["item"])
        recorded = next((f for f in item.files if f.sha256 == digest and f.name == info["filename"]), None)
        if recorded is None:
            return _finish(request, upload_id, info, fd)
        info = info | {"file_id": recorded.id, "job_id": None}
        _write_info(_info_path(request, upload_id), info)
        _part_path(request, upload_id).unlink(missing_ok=True)
        return info
    finally:
        os.close(fd)


@router.patch("/{upload_id}", status_code=204, summary="Append bytes at Upload-Offset")
@takes_uploads
async def append(request: Request, upload_id: str) -> Response:
    _check_version(request)
    if request.headers.get("content-type") != "application/offset+octet-stream":
        raise UnsupportedFormat("PATCH bodies must be application/offset+octet-stream")
    info = await run_in_threadpool(_load, request, upload_id)
    if info.get("file_id"):
        raise Conflict("this upload is already complete")
    fd = await run_in_threadpool(_lock, request, upload_id, LOCK_WAIT_SECONDS)
    try:
        # Under the lock: the offset and the record cannot change under this request.
        info = await run_in_threadpool(_load, request, upload_id)
        if info.get("file_id"):
            raise Conflict("this upload is already complete")
        current = os.fstat(fd).st_size
        if request.headers.get("upload-offset") != str(current):
            raise Conflict(f"Upload-Offset must be {current}, the bytes the server already has")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and current + int(declared) > info["length"]:
            raise TooLarge(f"the body would go past Upload-Length ({info['length']} bytes)")
        received = await _receive(request, fd, current, info["length"])
        info = info | {"expires": _expiry(request, time.time())}
        if received == info["length"]:
            info = await run_in_threadpool(_finish, request, upload_id, info, fd)
        else:
            await run_in_threadpool(_write_info, _info_path(request, upload_id), info)
    finally:
        os.close(fd)  # releases the lock
    headers = TUS_HEADERS | _expires_header(info) | {"upload-offset": str(received)}
    if info.get("file_id"):
        headers["x-mawrid-file"] = f"/api/items/{info['item']}/files/{info['file_id']}"
        if info.get("job_id"):
            headers["x-mawrid-job"] = f"/api/jobs/{info['job_id']}"
    return Response(status_code=204, headers=headers)


async def _receive(request: Request, fd: int, current: int, length: int) -> int:
    """Append the body at `current`; return the new offset. Bytes past `length` are refused whole."""
    out = anyio.wrap_file(os.fdopen(os.dup(fd), "r+b"))
    received = current
    try:
        await out.seek(current)
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > length:
                    await out.truncate(current)
                    raise TooLarge(f"more bytes than the declared Upload-Length ({length})")
                await out.write(chunk)
        except ClientDisconnect:
            pass  # what arrived is kept: the client resumes from the new offset
        await out.flush()
        await anyio.to_thread.run_sync(os.fsync, fd)  # the offset we report is on disk
    finally:
        await out.aclose()
    return received


def _finish(request: Request, upload_id: str, info: dict[str, Any], fd: int) -> dict[str, Any]:
    size = os.fstat(fd).st_size
    if size != info["length"]:
        raise Conflict(f"the upload has {size} bytes, not the {info['length']} its Upload-Length declared")
    wiring = wiring_of(request)
    with os.fdopen(os.dup(fd), "rb") as fh:
        fh.seek(0)  # a duplicate shares the offset, which the writes left at the end
        added = add_file(
            wiring.uow(),
            wiring.store,
            auth.current_actor(request),
            info["item"],
            fh,
            info["filename"],
            role=FileRole(info["role"]),
            max_bytes=info["length"],
        )
    if added.file.size != info["length"]:
        raise Conflict(f"the stored file has {added.file.size} bytes, not {info['length']}")
    # Keep a small record so a client that lost the final response learns the upload is done.
    info = info | {"file_id": added.file.id, "job_id": added.job_id}
    _write_info(_info_path(request, upload_id), info)
    _part_path(request, upload_id).unlink(missing_ok=True)
    return info


@router.delete("/{upload_id}", status_code=204, summary="Abandon an upload (termination extension)")
def terminate(request: Request, upload_id: str) -> Response:
    _check_version(request)
    info = _load(request, upload_id)
    if info.get("file_id"):
        raise Forbidden("a finished upload is a file of its item now; remove the file instead")
    fd = _lock(request, upload_id)
    try:
        _part_path(request, upload_id).unlink(missing_ok=True)
        _info_path(request, upload_id).unlink(missing_ok=True)
    finally:
        os.close(fd)
    return Response(status_code=204, headers=TUS_HEADERS)


def expire_uploads(data_dir: Path, now: float, grace_seconds: float) -> list[str]:
    """Remove expired uploads that no request is writing, and files a crash left without their
    record (older than the grace); return what was removed. Run by the housekeeping sweep."""
    folder = uploads_dir(data_dir)
    removed = []
    for path in sorted(folder.glob("*.json")):
        info = _read_info(path)
        if info is not None and not _expired(info, now):
            continue
        part = path.with_suffix(".part")
        if part.exists() and not temp.remove_unless_held(part):
            continue  # a PATCH is writing it right now
        path.unlink(missing_ok=True)
        removed.append(path.name)
    for path in sorted(folder.iterdir()):
        orphan = path.suffix == ".tmp" or (path.suffix == ".part" and not path.with_suffix(".json").exists())
        try:
            old = now - path.stat().st_mtime >= grace_seconds
        except FileNotFoundError:
            continue
        if orphan and old and temp.remove_unless_held(path):
            removed.append(path.name)
    return removed
