"""Administrator pages: staff accounts, communities (faculties) and collections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from repository.db import records
from repository.db.uow import reading
from repository.domain import Role
from repository.errors import Conflict, MawridError, NotFound
from repository.services import collections, users
from web import auth
from web.auth import wiring_of
from web.i18n import N_
from web.pages.labels import ROLES
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require_admin), Depends(auth.check_csrf)])


def _page(request: Request, name: str, status_code: int = 200, **extra: object) -> Response:
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        communities = records.list_communities(conn)
        all_collections = records.list_collections(conn)
        counts = records.count_items_by_collection(conn)
    context = {
        "users": users.list_users(wiring.uow()),
        "communities": communities,
        "collections": all_collections,
        "counts": counts,
        "roles": ROLES,
        "values": {},
        **extra,
    }
    return render(request, f"admin/{name}.html", context, status_code=status_code)


@router.get("/admin/users")
def user_list(request: Request) -> Response:
    return _page(request, "users")


@router.post("/admin/users")
async def add_user(request: Request) -> Response:
    form = await request.form()
    role = Role.ADMIN if form.get("role") == "admin" else Role.LIBRARIAN
    try:
        await run_in_threadpool(
            users.add_user,
            wiring_of(request).uow(),
            str(form.get("email", "")),
            str(form.get("password", "")),
            role,
            str(form.get("name", "")).strip(),
        )
    except MawridError as exc:
        values = {k: v for k, v in form.items() if k != "password"}
        return _page(request, "users", exc.http_status, error=exc, values=values)
    auth.flash(request, N_("The account was created."), "success")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/{action}")
def set_user_active(request: Request, user_id: int, action: str) -> Response:
    """Disable (ending the account's sessions and deleting its API tokens) or enable a staff account."""
    if action not in ("disable", "enable"):
        raise NotFound(f"no action {action!r}")
    if action == "disable" and user_id == auth.require_admin(request).id:
        raise Conflict("you cannot disable your own account")
    account = next((u for u in users.list_users(wiring_of(request).uow()) if u.id == user_id), None)
    if account is None:
        raise NotFound(f"no user {user_id}")
    users.set_active(wiring_of(request).uow(), account.email, action == "enable")
    if action == "disable":
        auth.flash(request, N_("The account was disabled; its sessions and API tokens were revoked."), "success")
    else:
        auth.flash(request, N_("The account was enabled."), "success")
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/collections")
def structure(request: Request) -> Response:
    return _page(request, "collections")


@router.post("/admin/communities")
async def add_community(request: Request) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            collections.create_community,
            wiring_of(request).uow(),
            auth.current_actor(request),
            str(form.get("slug", "")).strip(),
            str(form.get("name_en", "")).strip(),
            str(form.get("name_ar", "")).strip(),
            str(form.get("description", "")).strip(),
            str(form.get("description_ar", "")).strip(),
        )
    except MawridError as exc:
        return _page(request, "collections", exc.http_status, error=exc, values=dict(form.items()))
    auth.flash(request, N_("The community was created."), "success")
    return RedirectResponse("/admin/collections", status_code=303)


@router.post("/admin/collections")
async def add_collection(request: Request) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            collections.create_collection,
            wiring_of(request).uow(),
            auth.current_actor(request),
            str(form.get("community", "")),
            str(form.get("slug", "")).strip(),
            str(form.get("name_en", "")).strip(),
            str(form.get("name_ar", "")).strip(),
            str(form.get("description", "")).strip(),
            str(form.get("description_ar", "")).strip(),
        )
    except MawridError as exc:
        return _page(request, "collections", exc.http_status, error=exc, values=dict(form.items()))
    auth.flash(request, N_("The collection was created."), "success")
    return RedirectResponse("/admin/collections", status_code=303)


# --- editing one community or collection -------------------------------------------------------


def _edit_page(request: Request, kind: str, key: str, status_code: int = 200, **extra: object) -> Response:
    with reading(wiring_of(request).engine) as conn:
        if kind == "community":
            subject: object = records.load_community(conn, key)
            count = sum(1 for c in records.list_collections(conn, key))
        else:
            subject = records.load_collection(conn, key)
            count = records.count_items(conn, key)
        communities = records.list_communities(conn)
    context = {"kind": kind, "subject": subject, "count": count, "communities": communities, **extra}
    return render(request, "admin/edit.html", context, status_code=status_code)


def _texts(form: Any) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in ("name_en", "name_ar", "description", "description_ar")}


@router.get("/admin/communities/{community_id}")
def community_form(request: Request, community_id: str) -> Response:
    return _edit_page(request, "community", community_id)


@router.post("/admin/communities/{community_id}")
async def edit_community(request: Request, community_id: str) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            lambda: collections.update_community(
                wiring_of(request).uow(), auth.current_actor(request), community_id, **_texts(form)
            )
        )
    except MawridError as exc:
        return _edit_page(request, "community", community_id, exc.http_status, error=exc, values=_texts(form))
    auth.flash(request, N_("The community was saved."), "success")
    return RedirectResponse("/admin/collections", status_code=303)


@router.post("/admin/communities/{community_id}/delete")
def remove_community(request: Request, community_id: str) -> Response:
    try:
        collections.delete_community(wiring_of(request).uow(), auth.current_actor(request), community_id)
    except Conflict as exc:
        return _edit_page(request, "community", community_id, exc.http_status, refused=exc)
    auth.flash(request, N_("The community was deleted."), "success")
    return RedirectResponse("/admin/collections", status_code=303)


@router.get("/admin/collections/{collection_id}")
def collection_form(request: Request, collection_id: str) -> Response:
    return _edit_page(request, "collection", collection_id)


@router.post("/admin/collections/{collection_id}")
async def edit_collection(request: Request, collection_id: str) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(
            lambda: collections.update_collection(
                wiring_of(request).uow(),
                auth.current_actor(request),
                collection_id,
                community_id=str(form.get("community", "")) or None,
                **_texts(form),
            )
        )
    except MawridError as exc:
        return _edit_page(request, "collection", collection_id, exc.http_status, error=exc, values=_texts(form))
    auth.flash(request, N_("The collection was saved."), "success")
    return RedirectResponse("/admin/collections", status_code=303)


@router.post("/admin/collections/{collection_id}/delete")
def remove_collection(request: Request, collection_id: str) -> Response:
    try:
        collections.delete_collection(wiring_of(request).uow(), auth.current_actor(request), collection_id)
    except Conflict as exc:
        return _edit_page(request, "collection", collection_id, exc.http_status, refused=exc)
    auth.flash(request, N_("The collection was deleted."), "success")
    return RedirectResponse("/admin/collections", status_code=303)
