"""Reviewing one item in the workspace: metadata with the extracted suggestions, workflow, files, history."""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from repository.courses import service as courses
from repository.db import records
from repository.db.uow import reading
from repository.domain import FileRole, Item, Visibility
from repository.errors import InvalidInput, InvalidMetadata
from repository.jobs import queue
from repository.jobs.queue import JobOrder
from repository.services import files as file_service
from repository.services import workflow
from repository.services.deposit import update_metadata
from web import auth, i18n
from web.auth import wiring_of
from web.i18n import N_
from web.limits import takes_uploads
from web.params import RowId
from web.templating import render
from web.views import metadata_form
from web.views.forms import collections_by_community, form_date, uploaded_files
from web.views.labels import (
    FIELDS,
    FILE_ROLES,
    HISTORY_ACTIONS,
    LICENSES,
    STATUSES,
    TYPES,
    language_name,
    license_label,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require_staff), Depends(auth.check_csrf)])

ACTIONS = {
    "submit": (workflow.submit_item, N_("Submitted for review.")),
    "publish": (workflow.publish_item, N_("Published.")),
    "return_to_draft": (workflow.return_to_draft, N_("Returned to draft.")),
    "delete": (workflow.delete_item, N_("Deleted.")),
}


def _load(request: Request, item_id: str) -> tuple[Item, dict[int, dict[str, Any]]]:
    with reading(wiring_of(request).engine) as conn:
        item = records.load_item(conn, item_id)
        jobs = {
            v.job.file_id: {
                "id": v.job.id,
                "status": v.job.status.value,
                "error": v.job.error,
                "attempts": v.job.attempts,
            }
            for v in queue.list_jobs(conn, limit=None, item_id=item_id, order=JobOrder.OLDEST)
        }
    return item, jobs


def edit_context(request: Request, item: Item, jobs: dict[int, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    meta = extra.pop("meta", item.metadata)
    return {
        "item": item,
        "meta": meta,
        "rows": {field: metadata_form.rows(meta, field) for field in metadata_form.REPEATING},
        "suggestions": metadata_form.pending_suggestions(item.metadata, item.suggestions),
        "provisional": item.suggestions.get("provisional", []),
        "fillable": metadata_form.fillable(item.metadata, item.suggestions),
        "jobs": jobs,
        "types": TYPES,
        "licenses": LICENSES,
        "groups": collections_by_community(request),
        "actions": [
            a for a, allowed in workflow.ALLOWED.items() if item.status in allowed and a in (*ACTIONS, "withdraw")
        ],
        "course_state": course_state(request, item),
        **extra,
    }


def course_state(request: Request, item: Item) -> str | None:
    """Whether the item is a course (edited in the course builder) or a package that could become one."""
    with reading(wiring_of(request).engine) as conn:
        if courses.is_course(conn, item.id):
            return "course"
    return "package" if courses.outline_for_package(item) is not None else None


@router.get("/workspace/items/{item_id}")
def edit_page(request: Request, item_id: str) -> Response:
    item, jobs = _load(request, item_id)
    return render(request, "workspace/edit.html", edit_context(request, item, jobs))


@router.post("/workspace/items/{item_id}")
async def save_metadata(request: Request, item_id: str) -> Response:
    form = await request.form()
    item, jobs = await run_in_threadpool(_load, request, item_id)
    if form.get("replace"):  # the one explicit way to let a suggestion overwrite a filled field
        meta = metadata_form.accept(item.metadata, item.suggestions, [str(form["replace"])], replace=True)
    elif form.get("accept"):
        fields = (
            metadata_form.fillable(item.metadata, item.suggestions)
            if form["accept"] == "all"
            else [str(form["accept"])]
        )
        meta = metadata_form.accept(item.metadata, item.suggestions, fields)
    else:
        meta = metadata_form.metadata_from_form(form, item.metadata)
    try:
        await run_in_threadpool(update_metadata, wiring_of(request).uow(), auth.current_actor(request), item_id, meta)
    except InvalidMetadata as exc:
        context = edit_context(request, item, jobs, meta=meta, errors=exc.errors, error=exc)
        return render(request, "workspace/edit.html", context, status_code=422)
    auth.flash(request, N_("The metadata was saved."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


@router.post("/workspace/items/{item_id}/action")
async def change_status(request: Request, item_id: str) -> Response:
    action = str((await request.form()).get("action", ""))
    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}")
    service, done = ACTIONS[action]
    await run_in_threadpool(service, wiring_of(request).uow(), auth.current_actor(request), item_id)
    auth.flash(request, done, "success")
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


@router.get("/workspace/items/{item_id}/withdraw")
def withdraw_page(request: Request, item_id: str) -> Response:
    """The confirmation step: withdrawing takes a reason, shown later on the tombstone."""
    item, _ = _load(request, item_id)
    return render(request, "workspace/withdraw.html", {"item": item})


@router.post("/workspace/items/{item_id}/withdraw")
async def withdraw(request: Request, item_id: str) -> Response:
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        item, _ = await run_in_threadpool(_load, request, item_id)
        context = {"item": item, "missing_reason": True, "reason": reason}
        return render(request, "workspace/withdraw.html", context, status_code=422)
    uow, actor = wiring_of(request).uow, auth.current_actor(request)
    await run_in_threadpool(lambda: workflow.withdraw_item(uow(), actor, item_id, reason=reason))
    auth.flash(request, N_("Withdrawn."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


@router.post("/workspace/items/{item_id}/access")
async def change_access(request: Request, item_id: str) -> Response:
    form = await request.form()
    uow, actor = wiring_of(request).uow, auth.current_actor(request)
    visibility = Visibility.RESTRICTED if form.get("visibility") == "restricted" else Visibility.PUBLIC
    embargo = form_date(form.get("embargo_until"))
    await run_in_threadpool(workflow.set_visibility, uow(), actor, item_id, visibility)
    await run_in_threadpool(workflow.set_embargo, uow(), actor, item_id, embargo)
    auth.flash(request, N_("Access settings were saved."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


@router.post("/workspace/items/{item_id}/move")
async def move(request: Request, item_id: str) -> Response:
    collection = str((await request.form()).get("collection", ""))
    await run_in_threadpool(
        workflow.move_item, wiring_of(request).uow(), auth.current_actor(request), item_id, collection
    )
    auth.flash(request, N_("The item was moved."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}", status_code=303)


@router.post("/workspace/items/{item_id}/files")
@takes_uploads
async def add_files(request: Request, item_id: str) -> Response:
    form = await request.form()
    wiring, actor = wiring_of(request), auth.current_actor(request)
    role = FileRole.CAPTION if form.get("role") == "caption" else FileRole.ORIGINAL
    for upload_file in uploaded_files(form):
        await run_in_threadpool(
            file_service.add_file,
            wiring.uow(),
            wiring.store,
            actor,
            item_id,
            upload_file.file,
            upload_file.filename or "",
            role=role,
            max_bytes=wiring.settings.max_upload_bytes,
        )
        await upload_file.close()
    auth.flash(request, N_("The files were added."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}#files", status_code=303)


@router.post("/workspace/items/{item_id}/files/{file_id}/remove")
async def remove_file(request: Request, item_id: str, file_id: RowId) -> Response:
    await run_in_threadpool(
        file_service.remove_file, wiring_of(request).uow(), auth.current_actor(request), item_id, file_id
    )
    auth.flash(request, N_("The file was removed."), "success")
    return RedirectResponse(f"/workspace/items/{item_id}#files", status_code=303)


# --- version history --------------------------------------------------------------------------


def readable(field: str, value: Any, lang: str) -> list[str]:
    """A recorded value as the lines a librarian reads: names and labels, never raw JSON."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, list):
        return [line for element in value for line in readable(field, element, lang)]
    if isinstance(value, dict):
        if "value" in value:  # a language-tagged text, or an identifier
            scheme = value.get("scheme")
            tail = f" ({language_name(value['lang'], lang)})" if value.get("lang") else ""
            return [f"{scheme.upper()}: {value['value']}" if scheme else f"{value['value']}{tail}"]
        if "uri" in value and field == "metadata.license":
            return [license_label(value) or value["uri"]]
        if "name" in value:
            return [str(value["name"])]
        return [f"{k}: {', '.join(readable(field, v, lang))}" for k, v in sorted(value.items())]
    if isinstance(value, bool):
        return [i18n.gettext(lang, N_("Yes") if value else N_("No"))]
    text = str(value)
    if field == "files" and text.count(":") >= 2:  # "role:name:sha256-prefix", as snapshot() records it
        role, rest = text.split(":", 1)
        name, digest = rest.rsplit(":", 1)
        return [f"{name} · {i18n.gettext(lang, FILE_ROLES.get(role, role))} · {digest}"]
    if field in ("status", "visibility"):
        return [i18n.gettext(lang, STATUSES.get(text, text))]
    if field == "metadata.type":
        return [i18n.gettext(lang, TYPES.get(text, text))]
    if field == "metadata.language":
        return [language_name(text, lang)]
    return [text]


def _words(old: str, new: str) -> tuple[Markup, Markup]:
    before, after = old.split(" "), new.split(" ")
    left: list[Markup] = []
    right: list[Markup] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        old_part, new_part = escape(" ".join(before[a1:a2])), escape(" ".join(after[b1:b2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if a2 > a1:
            left.append(Markup("<del>{}</del>").format(old_part))
        if b2 > b1:
            right.append(Markup("<ins>{}</ins>").format(new_part))
    return Markup(" ").join(left), Markup(" ").join(right)


def inline_diff(old: list[str], new: list[str]) -> tuple[Markup, Markup]:
    """Old and new lines: removed lines (or words, in a changed line) in <del>, added ones in <ins>."""
    left: list[Markup] = []
    right: list[Markup] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left += [escape(line) for line in old[a1:a2]]
            right += [escape(line) for line in new[b1:b2]]
        elif op == "replace" and a2 - a1 == b2 - b1:
            for before, after in zip(old[a1:a2], new[b1:b2], strict=True):
                changed = _words(before, after)
                left.append(changed[0])
                right.append(changed[1])
        else:
            left += [Markup("<del>{}</del>").format(line) for line in old[a1:a2]]
            right += [Markup("<ins>{}</ins>").format(line) for line in new[b1:b2]]
    return Markup("<br>").join(left), Markup("<br>").join(right)


@router.get("/workspace/items/{item_id}/history")
def history(request: Request, item_id: str) -> Response:
    lang: str = request.state.lang
    with reading(wiring_of(request).engine) as conn:
        item = records.load_item(conn, item_id)
        versions = records.list_versions(conn, item_id)
    shown = [
        (
            v,
            [
                (
                    i18n.gettext(lang, FIELDS.get(name, name)),
                    *inline_diff(readable(name, change.get("old"), lang), readable(name, change.get("new"), lang)),
                )
                for name, change in sorted(v.changes.items())
                if isinstance(change, dict) and ("old" in change or "new" in change)
            ],
        )
        for v in reversed(versions)
    ]
    return render(request, "workspace/history.html", {"item": item, "versions": shown, "actions": HISTORY_ACTIONS})
