"""Communities (faculties) and collections over JSON."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from repository.db import records
from repository.db.uow import reading
from repository.domain import utcnow
from repository.services import collections
from web import auth, catalog
from web.api.models import CollectionIn, CollectionOut, CommunityIn, CommunityOut
from web.auth import wiring_of

router = APIRouter(prefix="/api", tags=["collections"], dependencies=[Depends(auth.check_csrf)])


def _collections(request: Request) -> list[CollectionOut]:
    with reading(wiring_of(request).engine) as conn:
        views = catalog.communities_with_counts(
            conn, utcnow().date(), embargo_hides_metadata=wiring_of(request).settings.embargo_hides_metadata
        )
    return [
        CollectionOut(
            id=c.id,
            community=c.community_id,
            name_en=c.name_en,
            name_ar=c.name_ar,
            description=c.description,
            public_items=n,
        )
        for v in views
        for c, n in v.collections
    ]


@router.get("/communities", response_model=list[CommunityOut], summary="Communities (faculties)")
def list_communities(request: Request) -> list[CommunityOut]:
    with reading(wiring_of(request).engine) as conn:
        all_collections = records.list_collections(conn)
        return [
            CommunityOut(
                id=c.id,
                name_en=c.name_en,
                name_ar=c.name_ar,
                description=c.description,
                collections=[col.id for col in all_collections if col.community_id == c.id],
            )
            for c in records.list_communities(conn)
        ]


@router.get("/collections", response_model=list[CollectionOut], summary="Collections with their public item counts")
def list_collections(request: Request) -> list[CollectionOut]:
    return _collections(request)


@router.get("/collections/{collection_id}", response_model=CollectionOut, summary="One collection")
def get_collection(request: Request, collection_id: str) -> CollectionOut:
    with reading(wiring_of(request).engine) as conn:
        records.load_collection(conn, collection_id)  # NotFound
    return next(c for c in _collections(request) if c.id == collection_id)


@router.post("/communities", status_code=201, response_model=CommunityOut, summary="Create a community (admin)")
def create_community(request: Request, body: CommunityIn) -> Response:
    auth.require_admin(request)
    made = collections.create_community(
        wiring_of(request).uow(), auth.current_actor(request), body.id, body.name_en, body.name_ar, body.description
    )
    out = CommunityOut(
        id=made.id, name_en=made.name_en, name_ar=made.name_ar, description=made.description, collections=[]
    )
    return JSONResponse(out.model_dump(), status_code=201, headers={"location": f"/api/communities/{made.id}"})


@router.post("/collections", status_code=201, response_model=CollectionOut, summary="Create a collection (admin)")
def create_collection(request: Request, body: CollectionIn) -> Response:
    auth.require_admin(request)
    made = collections.create_collection(
        wiring_of(request).uow(),
        auth.current_actor(request),
        body.community,
        body.id,
        body.name_en,
        body.name_ar,
        body.description,
    )
    out = CollectionOut(
        id=made.id,
        community=made.community_id,
        name_en=made.name_en,
        name_ar=made.name_ar,
        description=made.description,
        public_items=0,
    )
    return JSONResponse(out.model_dump(), status_code=201, headers={"location": f"/api/collections/{made.id}"})
