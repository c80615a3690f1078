"""Administrator pages: staff accounts, communities (faculties) and collections."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from repository.db import records
from repository.db.uow import reading
from repository.domain import Role
from repository.errors import Conflict, InvalidInput, MawridError
from repository.services import collections, users
from web import auth
from web.auth import wiring_of
from web.i18n import N_
from web.templating import render
from web.views.labels import ROLES

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
    role = _role(form.get("role"))
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


def _role(value: object) -> Role:
    try:
        return Role(str(value or "librarian"))
    except ValueError as exc:
        raise InvalidInput(f"unknown role {value!r}") from exc


def _user_page(request: Request, user_id: int, status_code: int = 200, **extra: object) -> Response:
    uow = wiring_of(request).uow()
    account = users.find_user(uow, user_id)
    with reading(wiring_of(request).engine) as conn:
        cols = records.list_collections(conn)
        groups = [(c, [col for col in cols if col.community_id == c.id]) for c in records.list_communities(conn)]
    context = {
        "account": account,
        "roles": ROLES,
        "groups": groups,
        "granted": set(users.granted_collections(uow, user_id)),
        **extra,
    }
    headers = {"cache-control": "no-store"} if "temporary_password" in extra else None
    return render(request, "admin/user.html", context, status_code=status_code, headers=headers)


@router.get("/admin/users/{user_id}")
def user_form(request: Request, user_id: int) -> Response:
    return _user_page(request, user_id)


@router.post("/admin/users/{user_id}/role")
async def change_role(request: Request, user_id: int) -> Response:
    role = _role((await request.form()).get("role"))
    try:
        await run_in_threadpool(users.set_role, wiring_of(request).uow(), auth.current_actor(request), user_id, role)
    except Conflict as exc:
        return _user_page(request, user_id, exc.http_status, error=exc)
    auth.flash(request, N_("The role was changed."), "success")
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/grants")
async def change_grants(request: Request, user_id: int) -> Response:
    chosen = [str(v) for v in (await request.form()).getlist("collection")]
    await run_in_threadpool(users.set_grants, wiring_of(request).uow(), auth.current_actor(request), user_id, chosen)
    auth.flash(request, N_("The collections this submitter may deposit into were saved."), "success")
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def disable(request: Request, user_id: int) -> Response:
    try:
        users.disable_user(wiring_of(request).uow(), auth.current_actor(request), user_id)
    except Conflict as exc:
        return _user_page(request, user_id, exc.http_status, error=exc)
    auth.flash(request, N_("The account was disabled; its sessions and API tokens were revoked."), "success")
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/enable")
def enable(request: Request, user_id: int) -> Response:
    users.enable_user(wiring_of(request).uow(), auth.current_actor(request), user_id)
    auth.flash(request, N_("The account was enabled."), "success")
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/password")
def new_password(request: Request, user_id: int) -> Response:
    temporary = users.reset_password(wiring_of(request).uow(), auth.current_actor(request), user_id)
    # Shown once, in this response only: the database keeps just its hash.
    return _user_page(request, user_id, temporary_password=temporary)


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


def _texts(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name, "")) for name in ("name_en", "name_ar", "description", "description_ar")}


@router.get("/admin/communities/{community_id}")
def community_form(request: Request, community_id: str) -> Response:
    return _edit_page(request, "community", community_id)


async def _save(request: Request, kind: str, key: str, change: Callable[[FormData], object], done: str) -> Response:
    form = await request.form()
    try:
        await run_in_threadpool(change, form)
    except MawridError as exc:
        return _edit_page(request, kind, key, exc.http_status, error=exc, values=_texts(form))
    auth.flash(request, done, "success")
    return RedirectResponse("/admin/collections", status_code=303)


def _remove(request: Request, kind: str, key: str, delete: Callable[..., None], done: str) -> Response:
    try:
        delete(wiring_of(request).uow(), auth.current_actor(request), key)
    except Conflict as exc:
        return _edit_page(request, kind, key, exc.http_status, refused=exc)
    auth.flash(request, done, "success")
    return RedirectResponse("/admin/collections", status_code=303)


@router.post("/admin/communities/{community_id}")
async def edit_community(request: Request, community_id: str) -> Response:
    def change(form: FormData) -> object:
        actor = auth.current_actor(request)
        return collections.update_community(wiring_of(request).uow(), actor, community_id, **_texts(form))

    return await _save(request, "community", community_id, change, N_("The community was saved."))


@router.post("/admin/communities/{community_id}/delete")
def remove_community(request: Request, community_id: str) -> Response:
    return _remove(request, "community", community_id, collections.delete_community, N_("The community was deleted."))


@router.get("/admin/collections/{collection_id}")
def collection_form(request: Request, collection_id: str) -> Response:
    return _edit_page(request, "collection", collection_id)


@router.post("/admin/collections/{collection_id}")
async def edit_collection(request: Request, collection_id: str) -> Response:
    def change(form: FormData) -> object:
        return collections.update_collection(
            wiring_of(request).uow(),
            auth.current_actor(request),
            collection_id,
            community_id=str(form.get("community", "")) or None,
            **_texts(form),
        )

    return await _save(request, "collection", collection_id, change, N_("The collection was saved."))


@router.post("/admin/collections/{collection_id}/delete")
def remove_collection(request: Request, collection_id: str) -> Response:
    return _remove(
        request, "collection", collection_id, collections.delete_collection, N_("The collection was deleted.")
    )
