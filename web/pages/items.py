"""The item landing page, its files, and its machine-readable descriptions.

Anonymous readers see an item when `Item.metadata_is_public` holds: an
embargoed item shows its metadata (unless the operator set
`embargo_hides_metadata`); its files, thumbnail and full text open only when
`Item.is_public(today)` holds, once the embargo ends. Anything else answers 404, as if it did not exist.
Signed-in staff see everything, marked with its status.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from harvest.crosswalks import citations, jsonld
from repository.courses import service as courses
from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRef, Item
from repository.errors import NotFound
from repository.reading.service import available_formats, texts_of
from web import catalog
from web.auth import wiring_of
from web.courses import catalog as course_catalog
from web.downloads import serve_file
from web.params import RowId
from web.templating import jsonld_script, render
from web.views import signposting
from web.views.item_view import file_views, load_for_reader, thumbnail_of
from web.views.labels import license_label

router = APIRouter(include_in_schema=False)


@router.get("/items/{item_id}")
def landing_page(request: Request, item_id: str) -> Response:
    item, actor, today, files_open = load_for_reader(request, item_id)
    wiring = wiring_of(request)
    base = wiring.settings.base_url.rstrip("/")
    with reading(wiring.engine) as conn:
        collection = records.load_collection(conn, item.collection_id)
        community = records.load_community(conn, collection.community_id)
        is_course = course_catalog.has_course_files(item) or courses.is_course(conn, item.id)
    files = file_views(item) if files_open else []
    originals = [f.ref for f in files]
    pdf = next((f for f in files if f.kind == "pdf"), None)
    thumb = thumbnail_of(item) if files_open else None
    url = f"{base}/items/{item.id}"
    entries = request.app.state.browse.entries(wiring.engine, today)
    context: dict[str, Any] = {
        "item": item,
        "meta": item.metadata,
        "collection": collection,
        "community": community,
        "is_course": is_course,
        "files": files,
        "files_open": files_open,
        "readable": files_open and bool(texts_of(item)),
        "is_public": item.is_public(today),
        "pdf": pdf,
        "media": [f for f in files if f.kind in ("video", "audio")],
        "thumbnail": thumb.path if thumb else None,
        "license_label": license_label(item.metadata.get("license")),
        "apa": citations.apa(item, url),
        "bibtex": citations.to_bibtex(item, url),
        "highwire": citations.highwire(item, url, base + pdf.url if pdf else None),
        "jsonld": jsonld_script(
            jsonld.to_jsonld(item, base, originals, base + thumb.path if thumb else None, available_formats())
        ),
        "doi": citations.doi(item),
        "related": catalog.related(entries, item),
        "canonical": url,
        "oai_identifier": wiring.settings.oai_identifier(item.id),
    }
    headers = {"link": signposting.link_header(item, base, originals)}
    if not item.metadata_is_public(today, wiring.settings.embargo_hides_metadata):  # staff viewing a hidden item
        headers["x-robots-tag"] = "noindex"
        headers["cache-control"] = "private, no-store"
    return render(request, "item.html", context, headers=headers)


@router.head("/items/{item_id}/files/{file_id}/{filename}")
@router.get("/items/{item_id}/files/{file_id}/{filename}")
def download(request: Request, item_id: str, file_id: RowId, filename: str) -> Response:
    item, _, today, files_open = load_for_reader(request, item_id)
    ref = next((f for f in item.files if f.id == file_id), None)
    if ref is None or not files_open:
        raise NotFound(f"no file {file_id} in item {item_id}")
    if filename != ref.name:
        return RedirectResponse(ref.path, status_code=301)
    base = wiring_of(request).settings.base_url.rstrip("/")
    landing = f"{base}/items/{item.id}"
    return serve_file(
        request,
        wiring_of(request).store,
        ref,
        public=item.is_public(today),
        extra_headers={
            "link": f'<{landing}>; rel="collection"; type="text/html", <{landing}/linkset.json>; '
            'rel="linkset"; type="application/linkset+json"'
        },
    )


@router.head("/items/{item_id}/thumbnail")
@router.get("/items/{item_id}/thumbnail")
def thumbnail(request: Request, item_id: str) -> Response:
    item, _, today, files_open = load_for_reader(request, item_id)
    thumb = thumbnail_of(item) if files_open else None
    if thumb is None:
        raise NotFound(f"item {item_id} has no thumbnail")
    return serve_file(request, wiring_of(request).store, thumb, public=item.is_public(today))


def _public_originals(item: Item, files_open: bool) -> list[FileRef]:
    return item.originals() if files_open else []


@router.get("/items/{item_id}/cite.bib")
def cite_bibtex(request: Request, item_id: str) -> Response:
    item, *_ = load_for_reader(request, item_id)
    url = f"{wiring_of(request).settings.base_url.rstrip('/')}/items/{item.id}"
    return PlainTextResponse(
        citations.to_bibtex(item, url),
        media_type="application/x-bibtex",
        headers={"content-disposition": f'attachment; filename="{item.id}.bib"'},
    )


@router.get("/items/{item_id}/cite.ris")
def cite_ris(request: Request, item_id: str) -> Response:
    item, _, _, files_open = load_for_reader(request, item_id)
    base = wiring_of(request).settings.base_url.rstrip("/")
    pdf = next((f for f in _public_originals(item, files_open) if f.mime == "application/pdf"), None)
    return PlainTextResponse(
        citations.to_ris(item, f"{base}/items/{item.id}", base + pdf.path if pdf else None),
        media_type="application/x-research-info-systems",
        headers={"content-disposition": f'attachment; filename="{item.id}.ris"'},
    )


@router.get("/items/{item_id}/metadata.jsonld")
def metadata_jsonld(request: Request, item_id: str) -> Response:
    item, _, _, files_open = load_for_reader(request, item_id)
    base = wiring_of(request).settings.base_url.rstrip("/")
    thumb = thumbnail_of(item) if files_open else None
    thumb_url = base + thumb.path if thumb else None
    data = jsonld.to_jsonld(item, base, _public_originals(item, files_open), thumb_url, available_formats())
    return JSONResponse(data, media_type="application/ld+json")


@router.get("/items/{item_id}/linkset")
def linkset(request: Request, item_id: str) -> Response:
    item, _, _, files_open = load_for_reader(request, item_id)
    base = wiring_of(request).settings.base_url.rstrip("/")
    text = signposting.linkset_text(item, base, _public_originals(item, files_open))
    return PlainTextResponse(text, media_type="application/linkset")


@router.get("/items/{item_id}/linkset.json")
def linkset_json(request: Request, item_id: str) -> Response:
    item, _, _, files_open = load_for_reader(request, item_id)
    base = wiring_of(request).settings.base_url.rstrip("/")
    data = signposting.linkset_json(item, base, _public_originals(item, files_open))
    return JSONResponse(data, media_type="application/linkset+json")
