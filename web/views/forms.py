"""Form helpers the workspace pages share: collection pickers, uploaded files, upload metadata, dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from repository.db import records
from repository.db.uow import reading
from repository.errors import InvalidInput
from repository.metadata import with_value_languages
from web.auth import wiring_of
from web.views.labels import LICENSES, TYPES


def collections_by_community(request: Request) -> list[tuple[Any, list[Any]]]:
    with reading(wiring_of(request).engine) as conn:
        collections = records.list_collections(conn)
        return [(c, [col for col in collections if col.community_id == c.id]) for c in records.list_communities(conn)]


def upload_context(request: Request, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "groups": collections_by_community(request),
        "types": TYPES,
        "licenses": LICENSES,
        "values": values or {"title_lang": "", "type": "article", "visibility": "public"},
        "max_bytes": wiring_of(request).settings.max_upload_bytes,
    }


def lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def uploaded_files(form: FormData, name: str = "files") -> list[UploadFile]:
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


def upload_metadata(form: FormData, files: list[UploadFile]) -> tuple[dict[str, Any], list[str]]:
    """Metadata from the upload form; with no title, the first file's name stands in until extraction."""
    title_lang = str(form.get("title_lang") or "") or None
    title = str(form.get("title", "")).strip()
    provisional = []
    if not title and files:
        title, provisional = Path(files[0].filename or "").stem or "untitled", ["titles"]
    meta: dict[str, Any] = {
        "titles": [{"value": title, **({"lang": title_lang} if title_lang else {})}] if title else [],
        "type": str(form.get("type") or "other"),
    }
    if lines(form.get("creators")):
        meta["creators"] = [{"name": n} for n in lines(form.get("creators"))]
    if lines(form.get("subjects")):
        meta["subjects"] = [
            {"value": s, **({"lang": title_lang} if title_lang else {})} for s in lines(form.get("subjects"))
        ]
    if str(form.get("abstract", "")).strip():
        meta["abstracts"] = [
            {"value": str(form.get("abstract")).strip(), **({"lang": title_lang} if title_lang else {})}
        ]
    for name in ("language", "date_issued", "publisher"):
        if str(form.get(name, "")).strip():
            meta[name] = str(form.get(name)).strip()
    if str(form.get("license", "")).strip():
        meta["license"] = {"uri": str(form.get("license")).strip()}
    return with_value_languages(meta), provisional


def form_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from exc
