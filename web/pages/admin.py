"""Administrator pages: staff accounts, communities (faculties) and collections."""

from __future__ import annotations

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
    context = {
        "users": users.list_users(wiring.uow()),
        "communities": communities,
        "collections": all_collections,
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
        )
    except MawridError as exc:
        return _page(request, "collections", exc.http_status, error=exc, values=dict(form.items()))
    auth.flash(request, N_("The collection was created."), "success")
    return RedirectResponse("/admin/collections", status_code=303)
