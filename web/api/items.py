"""Items over JSON: list, get, create, update, change status, delete."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Status, Visibility, utcnow
from repository.errors import InvalidInput
from repository.metadata import with_value_languages
from repository.services import workflow
from repository.services.deposit import deposit_item, update_metadata
from web import auth, catalog
from web.api.models import ItemIn, ItemList, ItemOut, ItemPatch
from web.auth import wiring_of
from web.params import Offset

router = APIRouter(prefix="/api/items", tags=["items"], dependencies=[Depends(auth.check_csrf)])
ACTIONS = {
    "submit": workflow.submit_item,
    "publish": workflow.publish_item,
    "return-to-draft": workflow.return_to_draft,
}


def _base(request: Request) -> str:
    return wiring_of(request).settings.base_url.rstrip("/")


def item_out(request: Request, item_id: str) -> ItemOut:
    actor, today = auth.current_actor(request), utcnow().date()
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        item = catalog.readable_item(conn, item_id, actor, today, wiring.settings)
    return ItemOut.of(item, _base(request), files_open=actor.is_staff or item.is_public(today), staff=actor.is_staff)


@router.get("", response_model=ItemList, summary="List items (public ones, or any for staff)")
def list_items(
    request: Request, collection: str | None = None, status: Status | None = None, limit: int = 20, offset: Offset = 0
) -> ItemList:
    if not 1 <= limit <= 100 or offset < 0:
        raise InvalidInput("limit must be 1-100 and offset not negative")
    actor, today = auth.current_actor(request), utcnow().date()
    hides = wiring_of(request).settings.embargo_hides_metadata
    where = [] if actor.is_staff else [catalog.listed_clause(today, embargo_hides_metadata=hides)]
    if status is not None:
        where.append(t.items.c.status == status.value)
    if collection:
        where.append(t.items.c.collection_id == collection)
    with reading(wiring_of(request).engine) as conn:
        total = conn.execute(select(func.count()).select_from(t.items).where(*where)).scalar_one()
        rows = conn.execute(
            select(t.items).where(*where).order_by(t.items.c.created.desc(), t.items.c.id).limit(limit).offset(offset)
        )
        found = records.load_items(conn, rows)
    base = _base(request)
    return ItemList(
        items=[
            ItemOut.of(i, base, files_open=actor.is_staff or i.is_public(today), staff=actor.is_staff) for i in found
        ],
        total=int(total),
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=201, response_model=ItemOut, summary="Deposit an item (a draft)")
def create_item(request: Request, body: ItemIn) -> Response:
    auth.require_staff(request)
    item = deposit_item(
        wiring_of(request).uow(),
        auth.current_actor(request),
        body.collection,
        with_value_languages(body.metadata),
        visibility=Visibility(body.visibility),
        embargo_until=body.embargo_until,
        item_id=body.id,
    )
    out = ItemOut.of(item, _base(request), files_open=True, staff=True)
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers={"location": f"/api/items/{item.id}"})


@router.get("/{item_id}", response_model=ItemOut, summary="One item with its files")
def get_item(request: Request, item_id: str) -> ItemOut:
    return item_out(request, item_id)


@router.put("/{item_id}/metadata", response_model=ItemOut, summary="Replace an item's metadata")
def replace_metadata(request: Request, item_id: str, metadata: dict) -> ItemOut:  # type: ignore[type-arg]
    auth.require_staff(request)
    update_metadata(wiring_of(request).uow(), auth.current_actor(request), item_id, with_value_languages(metadata))
    return item_out(request, item_id)


@router.patch("/{item_id}", response_model=ItemOut, summary="Change metadata, visibility, embargo or collection")
def patch_item(request: Request, item_id: str, body: ItemPatch) -> ItemOut:
    auth.require_staff(request)
    uow, actor = wiring_of(request).uow, auth.current_actor(request)
    if body.metadata is not None:
        update_metadata(uow(), actor, item_id, with_value_languages(body.metadata))
    if body.visibility is not None:
        workflow.set_visibility(uow(), actor, item_id, Visibility(body.visibility))
    if body.embargo_until is not None or body.lift_embargo:
        workflow.set_embargo(uow(), actor, item_id, None if body.lift_embargo else body.embargo_until)
    if body.collection is not None:
        workflow.move_item(uow(), actor, item_id, body.collection)
    return item_out(request, item_id)


@router.post("/{item_id}/{action}", response_model=ItemOut, summary="Submit, publish, withdraw or return to draft")
def change_status(
    request: Request,
    item_id: str,
    action: Literal["submit", "publish", "withdraw", "return-to-draft"],
    reason: str = Query("", description="Why the item is withdrawn (required to withdraw); shown on its tombstone"),
) -> ItemOut:
    auth.require_staff(request)
    uow, actor = wiring_of(request).uow(), auth.current_actor(request)
    if action == "withdraw":
        if not reason.strip():
            raise InvalidInput("withdrawing an item needs a reason (?reason=…), shown on its tombstone page")
        workflow.withdraw_item(uow, actor, item_id, reason=reason)
    else:
        ACTIONS[action](uow, actor, item_id)
    return item_out(request, item_id)


@router.delete("/{item_id}", status_code=204, summary="Delete an item (a tombstone stays for harvesters)")
def delete_item(request: Request, item_id: str) -> Response:
    auth.require_staff(request)
    workflow.delete_item(wiring_of(request).uow(), auth.current_actor(request), item_id)
    return Response(status_code=204)


@router.get("/{item_id}/versions", summary="The item's version history with the changes of each version")
def versions(request: Request, item_id: str) -> list[dict[str, object]]:
    auth.require_staff(request)
    with reading(wiring_of(request).engine) as conn:
        records.load_item(conn, item_id)
        return [
            {"number": v.number, "actor": v.actor, "at": v.at.isoformat(), "action": v.action, "changes": v.changes}
            for v in records.list_versions(conn, item_id)
        ]
