"""Deposits by submitters (faculty) and the review queue where librarians publish or return them.

A submitter signs in, deposits into the collections an administrator granted
them, and follows their deposits here; they never see the workspace. The
services enforce every rule (grants, review status); these pages only show
the choices a submitter has.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Status
from repository.errors import InvalidInput, MawridError
from repository.services import users, workflow
from repository.services.files import NewFile, deposit_with_files
from web import auth
from web.auth import wiring_of
from web.i18n import N_
from web.limits import takes_uploads
from web.templating import render
from web.views.forms import upload_context, upload_metadata, uploaded_files

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.check_csrf)])


def _granted_groups(request: Request, user_id: int) -> list[tuple[Any, list[Any]]]:
    granted = set(users.granted_collections(wiring_of(request).uow(), user_id))
    with reading(wiring_of(request).engine) as conn:
        cols = [c for c in records.list_collections(conn) if c.id in granted]
        groups = [(c, [col for col in cols if col.community_id == c.id]) for c in records.list_communities(conn)]
    return [(c, cols) for c, cols in groups if cols]


@router.get("/deposits")
def my_deposits(request: Request) -> Response:
    user = auth.require_signed_in(request)
    with reading(wiring_of(request).engine) as conn:
        mine = select(t.versions.c.item_id).where(t.versions.c.number == 1, t.versions.c.actor == user.email)
        rows = conn.execute(
            select(t.items).where(t.items.c.id.in_(mine)).order_by(t.items.c.datestamp.desc(), t.items.c.id)
        )
        deposits = records.load_items(conn, rows)
        notes = {
            i.id: note for i in deposits if i.status is Status.DRAFT and (note := workflow.review_note(conn, i.id))
        }
    context = {"deposits": deposits, "notes": notes, "groups": _granted_groups(request, user.id)}
    return render(request, "review/deposits.html", context)


@router.get("/deposits/new")
def deposit_form(request: Request) -> Response:
    user = auth.require_signed_in(request)
    context = upload_context(request) | {"groups": _granted_groups(request, user.id), "form_action": "/deposits/new"}
    return render(request, "workspace/upload.html", context)


@router.post("/deposits/new")
@takes_uploads
async def deposit(request: Request) -> Response:
    user = auth.require_signed_in(request)
    form = await request.form()
    wiring = wiring_of(request)
    actor = user.as_actor()
    files = uploaded_files(form)
    meta, _ = upload_metadata(form, files)

    def work() -> str:
        if not files:
            raise InvalidInput("choose at least one file to deposit")
        deposited = deposit_with_files(  # the deposit and its files appear together or not at all
            wiring.uow(),
            wiring.store,
            actor,
            str(form.get("collection", "")),
            meta,
            [NewFile(f.file, f.filename or "", size=f.size) for f in files],
            status=Status.REVIEW,
            max_bytes=wiring.settings.max_upload_bytes,
        )
        return deposited.item.id

    try:
        await run_in_threadpool(work)
    except MawridError as exc:
        values = {k: v for k, v in form.items() if not isinstance(v, UploadFile)}
        context = upload_context(request, values) | {
            "groups": _granted_groups(request, user.id),
            "form_action": "/deposits/new",
            "error": exc,
        }
        return render(request, "workspace/upload.html", context, status_code=exc.http_status)
    finally:
        for upload_file in files:
            await upload_file.close()
    auth.flash(request, N_("Thank you: your deposit waits for a librarian to review it."), "success")
    return RedirectResponse("/deposits", status_code=303)


@router.post("/deposits/{item_id}/submit")
def resubmit(request: Request, item_id: str) -> Response:
    user = auth.require_signed_in(request)
    workflow.submit_item(wiring_of(request).uow(), user.as_actor(), item_id)
    auth.flash(request, N_("Submitted for review."), "success")
    return RedirectResponse("/deposits", status_code=303)


# --- the librarians' side --------------------------------------------------------------------


@router.get("/workspace/review")
def review_queue(request: Request) -> Response:
    auth.require_staff(request)
    with reading(wiring_of(request).engine) as conn:
        rows = conn.execute(
            select(t.items).where(t.items.c.status == Status.REVIEW.value).order_by(t.items.c.datestamp, t.items.c.id)
        )
        waiting = records.load_items(conn, rows)
        depositors = dict(
            conn.execute(
                select(t.versions.c.item_id, t.versions.c.actor).where(
                    t.versions.c.number == 1, t.versions.c.item_id.in_([i.id for i in waiting])
                )
            ).all()
        )
        communities = {c.id: c for c in records.list_communities(conn)}
        collections = {c.id: c for c in records.list_collections(conn)}
    context = {"waiting": waiting, "depositors": depositors, "communities": communities, "collections": collections}
    return render(request, "review/queue.html", context)


@router.post("/workspace/review/{item_id}")
async def review(request: Request, item_id: str) -> Response:
    auth.require_staff(request)
    form = await request.form()
    action, uow, actor = str(form.get("action", "")), wiring_of(request).uow(), auth.current_actor(request)
    if action == "publish":
        await run_in_threadpool(workflow.publish_item, uow, actor, item_id)
        auth.flash(request, N_("Published."), "success")
    elif action == "return":
        note = str(form.get("note", ""))[:2000]
        await run_in_threadpool(lambda: workflow.return_to_draft(uow, actor, item_id, note=note))
        auth.flash(request, N_("Returned to the depositor."), "success")
    else:
        raise InvalidInput(f"unknown action {action!r}")
    return RedirectResponse("/workspace/review", status_code=303)
