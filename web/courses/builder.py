"""The course builder in the workspace: create a course, shape its outline, check licences, publish, adapt.

Every route needs a signed-in staff member and a CSRF token. The outline is
edited through plain forms, one small edit each (`outline_form`), saved by
`services.courses.save_outline`, which versions it and refuses a published
edition. Licence verdicts for every linked item stand beside the publish
button; publishing over an incompatible one needs an explicit confirmation.
A course made from an uploaded SCORM or Common Cartridge package starts with
the outline the ingest worker read from its manifest, for review here.
"""

from __future__ import annotations

import copy
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from indexer.ports import Query
from indexer.service import search
from repository.courses import service as courses
from repository.courses.outline import Resource
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import FileRole, Item, Metadata, Status
from repository.errors import Conflict, InvalidInput, InvalidMetadata, MawridError, NotFound
from repository.licenses import Level, check_inclusion, license_for
from repository.services import workflow
from repository.services.deposit import update_metadata
from web import auth, catalog
from web.auth import wiring_of
from web.courses import outline_form, packages
from web.courses.labels import CONTRIBUTOR_ROLES, LEVELS, course_licenses, template_globals
from web.i18n import N_
from web.templating import env, render
from web.views.forms import collections_by_community

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require_staff), Depends(auth.check_csrf)])
env.globals.update(template_globals())
OER_TEXT = ("course_code", "educational_level", "intended_audience", "time_required")
OER_LISTS = ("teaches", "prerequisites")
FOUND_SHOWN = 10


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def course_fields(form: FormData, stored: Metadata) -> Metadata:
    """The course's own fields from a form over the stored metadata; an emptied field is removed."""
    meta = copy.deepcopy(stored)
    oer = dict(meta.get("oer") or {})
    for name in OER_TEXT:
        value = str(form.get(name, "")).strip()
        oer.pop(name, None)
        if value:
            oer[name] = value
    for name in OER_LISTS:
        oer.pop(name, None)
        if _lines(form.get(name)):
            oer[name] = _lines(form.get(name))
    meta.pop("oer", None)
    if oer:
        meta["oer"] = oer
    language = str(form.get("language", "")).strip()
    meta.pop("language", None)
    if language:
        meta["language"] = language
    uri = str(form.get("license", "")).strip()
    meta.pop("license", None)
    if uri:
        meta["license"] = {"uri": uri, "label": license_for(uri).label}
    names, roles = form.getlist("contributors-name"), form.getlist("contributors-role")
    contributors = [{"name": str(n).strip(), **({"role": str(r)} if str(r).strip() else {})}
                    for n, r in zip(names, roles, strict=False) if str(n).strip()]  # fmt: skip
    meta.pop("contributors", None)
    if contributors:
        meta["contributors"] = contributors
    return meta


def new_course_metadata(form: FormData) -> Metadata:
    title, title_lang = str(form.get("title", "")).strip(), str(form.get("title_lang", "")).strip()
    lang = {"lang": title_lang} if title_lang else {}
    meta: Metadata = {"titles": [{"value": title, **lang}] if title else [], "type": "course"}
    if str(form.get("abstract", "")).strip():
        meta["abstracts"] = [{"value": str(form.get("abstract")).strip(), **lang}]
    if _lines(form.get("creators")):
        meta["creators"] = [{"name": n} for n in _lines(form.get("creators"))]
    return course_fields(form, meta)


def values_of(meta: Metadata) -> dict[str, Any]:
    """The course fields of stored metadata as the form shows them."""
    oer = meta.get("oer") or {}
    return {
        **{name: oer.get(name, "") for name in OER_TEXT},
        **{name: "\n".join(oer.get(name, [])) for name in OER_LISTS},
        "language": meta.get("language", ""),
        "license": (meta.get("license") or {}).get("uri", ""),
        "contributors": meta.get("contributors", []),
    }


def _form_context(request: Request, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "groups": collections_by_community(request),
        "levels": LEVELS,
        "roles": CONTRIBUTOR_ROLES,
        "licenses": course_licenses(),
        "values": values
        or {"title_lang": request.state.lang, "language": request.state.lang,
            "license": "https://creativecommons.org/licenses/by-sa/4.0/"},
    }  # fmt: skip


# --- listing and creating ----------------------------------------------------------------------


@router.get("/workspace/courses")
def course_list(request: Request) -> Response:
    with reading(wiring_of(request).engine) as conn:
        rows = conn.execute(
            select(t.items, t.courses.c.edition)
            .join(t.courses, t.courses.c.item_id == t.items.c.id)
            .where(t.items.c.status != Status.DELETED.value)
            .order_by(t.items.c.datestamp.desc(), t.items.c.id)
        ).all()
        found = list(zip(records.load_items(conn, rows), [r.edition for r in rows], strict=True))
    return render(request, "workspace/courses.html", {"courses": found})


@router.get("/workspace/courses/new")
def new_course_form(request: Request) -> Response:
    return render(request, "workspace/course_new.html", _form_context(request))


@router.post("/workspace/courses/new")
async def create_course(request: Request) -> Response:
    form = await request.form()
    wiring, actor = wiring_of(request), auth.current_actor(request)
    try:
        item = await run_in_threadpool(
            courses.create_course, wiring.uow(), actor, str(form.get("collection", "")), new_course_metadata(form)
        )
    except (InvalidMetadata, InvalidInput, NotFound) as exc:
        values = values_of(new_course_metadata(form)) | {
            k: str(form.get(k, "")) for k in ("title", "title_lang", "collection", "abstract", "creators")
        }
        context = _form_context(request, values) | {"error": exc}
        return render(request, "workspace/course_new.html", context, status_code=422)
    auth.flash(request, N_("The course was created. Now give it modules and lessons."), "success")
    return RedirectResponse(f"/workspace/courses/{item.id}", status_code=303)


# --- the builder --------------------------------------------------------------------------------


def _package_files(item: Item) -> list[Any]:
    return [f for f in item.originals() if packages.is_package(f)]


def _choices(request: Request, item: Item) -> dict[str, Any]:
    """What a lesson can take from the course itself: its files, and the pages of its packages."""
    store = wiring_of(request).store
    files = [f for f in item.files if f.role in (FileRole.ORIGINAL, FileRole.CAPTION) and not packages.is_package(f)]
    pages = []
    for package in _package_files(item):
        try:
            pages.append((package, packages.package_pages(store, package)))
        except NotFound:
            continue  # a damaged package: its ingest job already says why
    return {"files": files, "pages": pages}


def _found(request: Request, course: courses.Course, text: str) -> list[dict[str, Any]]:
    """Items to link, by search (public items) or by exact id (any item), with a licence verdict each."""
    if not text:
        return []
    wiring, actor = wiring_of(request), auth.current_actor(request)
    ids = [text] if text != course.item.id else []
    try:
        query = Query(text=text, limit=FOUND_SHOWN, facets=(), highlight=False)
        page = search(wiring.index, actor, query, cursor_key=wiring.settings.secret())
        ids += [h.id for h in page.hits if h.id not in (course.item.id, text)]
    except MawridError:
        pass  # the index is being rebuilt or unreachable: the exact-id lookup still works
    with reading(wiring.engine) as conn:
        found = catalog.items_by_ids(conn, ids[:FOUND_SHOWN])
    return [
        {"item": i, "verdict": check_inclusion(license_for((i.metadata.get("license") or {}).get("uri")),
                                               course.license, adapted=False)}
        for i in found
    ]  # fmt: skip


def builder_context(request: Request, item_id: str, **extra: Any) -> dict[str, Any]:
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        course = courses.load_course(conn, item_id)
        checks = courses.check_licenses(conn, course)
        lineage = courses.editions(conn, item_id)
    find = request.query_params.get("find", "").strip()
    proposed = courses.outline_for_package(course.item)
    return {
        "course": course,
        "item": course.item,
        "meta": course.item.metadata,
        "digest": outline_form.digest(course.outline),
        "frozen": course.item.status is Status.PUBLISHED,
        "checks": checks,
        "incompatible": any(c.verdict.level is Level.INCOMPATIBLE for c in checks),
        "can_publish": course.item.status in workflow.ALLOWED["publish"],
        "proposed": proposed if proposed is not None and proposed != course.outline else None,
        "lineage": lineage,
        "find": find,
        "find_lesson": request.query_params.get("lesson", ""),
        "found": _found(request, course, find),
        **_choices(request, course.item),
        **_form_context(request, values_of(course.item.metadata)),
        **extra,
    }


@router.get("/workspace/courses/{item_id}")
def builder(request: Request, item_id: str) -> Response:
    return render(request, "workspace/course_builder.html", builder_context(request, item_id))


def _resource_for(request: Request, item: Item, form: FormData) -> Resource | None:
    """The resource an "add" form names: a `target` (file:ID or package:ID:page) or an `item` id, titled."""
    title = str(form.get("title", "")).strip()
    linked = str(form.get("item", "")).strip()
    kind, _, rest = ("item", "", linked) if linked else str(form.get("target", "")).strip().partition(":")
    files = {f.id: f for f in item.files}
    if kind == "file" and rest.isdigit() and int(rest) in files:
        return Resource("file", title or PurePosixPath(files[int(rest)].name).stem, file_id=int(rest))
    if kind == "package":
        file_id, _, href = rest.partition(":")
        if file_id.isdigit() and int(file_id) in files and href:
            return Resource("package", title or PurePosixPath(href).stem, file_id=int(file_id), href=href)
    if kind == "item":
        with reading(wiring_of(request).engine) as conn:
            target = records.load_item(conn, rest)  # NotFound names a mistyped id
        return Resource("item", title or target.title, item_id=target.id, adapted=form.get("adapted") == "yes")
    return None


@router.post("/workspace/courses/{item_id}/outline")
async def edit_outline(request: Request, item_id: str) -> Response:
    form = await request.form()
    wiring, actor = wiring_of(request), auth.current_actor(request)

    def work() -> str:
        with reading(wiring.engine) as conn:
            course = courses.load_course(conn, item_id)
        if course.item.status is Status.PUBLISHED:
            raise Conflict("a published course is frozen: start a new edition to change it")
        resource = _resource_for(request, course.item, form) if form.get("op") == "add-resource" else None
        outline, anchor = outline_form.apply_edit(course.outline, form, resource)  # type: ignore[arg-type]
        courses.save_outline(wiring.uow(), actor, item_id, outline)
        return anchor

    try:
        anchor = await run_in_threadpool(work)
    except (InvalidInput, NotFound, Conflict) as exc:
        context = builder_context(request, item_id, error=exc)
        return render(request, "workspace/course_builder.html", context, status_code=exc.http_status)
    auth.flash(request, N_("The outline was saved."), "success")
    return RedirectResponse(f"/workspace/courses/{item_id}#{anchor}", status_code=303)


@router.post("/workspace/courses/{item_id}/details")
async def save_details(request: Request, item_id: str) -> Response:
    form = await request.form()
    wiring, actor = wiring_of(request), auth.current_actor(request)
    with reading(wiring.engine) as conn:
        item = courses.load_course(conn, item_id).item
    try:
        await run_in_threadpool(update_metadata, wiring.uow(), actor, item_id, course_fields(form, item.metadata))
    except InvalidMetadata as exc:
        context = builder_context(request, item_id, error=exc)
        return render(request, "workspace/course_builder.html", context, status_code=422)
    auth.flash(request, N_("The course details were saved."), "success")
    return RedirectResponse(f"/workspace/courses/{item_id}#details", status_code=303)


@router.post("/workspace/courses/{item_id}/package-outline")
async def use_package_outline(request: Request, item_id: str) -> Response:
    """Take the outline the ingest worker read from the package: for a course, or to make an item one."""
    wiring, actor = wiring_of(request), auth.current_actor(request)

    def work() -> None:
        with reading(wiring.engine) as conn:
            item = records.load_item(conn, item_id)
            is_course = courses.is_course(conn, item_id)
        outline = courses.outline_for_package(item)
        if outline is None:
            raise InvalidInput("no file of this item is a course package with an outline")
        if is_course:
            courses.save_outline(wiring.uow(), actor, item_id, outline)
        else:
            courses.make_course(wiring.uow(), actor, item_id, outline)
            if item.type != "course":
                update_metadata(wiring.uow(), actor, item_id, {**item.metadata, "type": "course"})

    await run_in_threadpool(work)
    auth.flash(request, N_("The outline was taken from the package. Review it before publishing."), "success")
    return RedirectResponse(f"/workspace/courses/{item_id}#outline", status_code=303)


@router.post("/workspace/courses/{item_id}/publish")
async def publish(request: Request, item_id: str) -> Response:
    form = await request.form()
    wiring, actor = wiring_of(request), auth.current_actor(request)
    with reading(wiring.engine) as conn:
        checks = courses.check_licenses(conn, courses.load_course(conn, item_id))
    if any(c.verdict.level is Level.INCOMPATIBLE for c in checks) and form.get("confirm") != "yes":
        error = InvalidInput("some linked items have incompatible licences: resolve them, or confirm to publish anyway")
        context = builder_context(request, item_id, error=error, publish_refused=True)
        return render(request, "workspace/course_builder.html", context, status_code=409)
    await run_in_threadpool(workflow.publish_item, wiring.uow(), actor, item_id)
    auth.flash(request, N_("The course was published."), "success")
    return RedirectResponse(f"/courses/{item_id}", status_code=303)


@router.post("/workspace/courses/{item_id}/adapt")
async def adapt(request: Request, item_id: str) -> Response:
    wiring, actor = wiring_of(request), auth.current_actor(request)
    copy_ = await run_in_threadpool(courses.adapt_course, wiring.uow(), actor, item_id)
    auth.flash(
        request, N_("A new draft course was made from this one. Adapt it and publish it as your own."), "success"
    )
    return RedirectResponse(f"/workspace/courses/{copy_.id}", status_code=303)


@router.post("/workspace/courses/{item_id}/edition")
async def new_edition(request: Request, item_id: str) -> Response:
    wiring, actor = wiring_of(request), auth.current_actor(request)
    draft = await run_in_threadpool(courses.new_edition, wiring.uow(), actor, item_id)
    auth.flash(request, N_("A new edition was started as a draft; the published edition stays as it is."), "success")
    return RedirectResponse(f"/workspace/courses/{draft.id}", status_code=303)
