"""The application factory: one FastAPI app serving the site, the JSON API and /oai."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from indexer.sync import SyncLoop
from repository.settings import Settings
from web import auth, errors, oai
from web.api import collections as api_collections
from web.api import docs as api_docs
from web.api import files as api_files
from web.api import items as api_items
from web.api import jobs as api_jobs
from web.api import search as api_search
from web.api import tus as api_tus
from web.catalog import BrowseIndex
from web.courses import builder as course_builder
from web.courses import packages
from web.courses import study as courses
from web.limits import BodyLimit, upload_paths
from web.pages import (
    admin,
    browse,
    discovery,
    editing,
    items,
    public,
    reading,
    review,
    search,
    signin,
    workspace,
)
from web.security import EdgeMiddleware
from web.supervisor import Supervisor
from web.templating import STATIC
from web.wiring import Wiring, wire

SYNC_SECONDS = 3.0  # how soon a change made by a worker or another process reaches search
# How `mawrid serve` runs uvicorn. Without proxy_headers=False uvicorn believes X-Forwarded-For from
# 127.0.0.1 on its own; the app reads it only from MAWRID_TRUSTED_PROXIES (`auth.client_address`).
SERVER_OPTIONS = {"proxy_headers": False}
API_DESCRIPTION = """JSON API of Mawrid. Reading public items needs no authentication; changes need an API
token created in the workspace, sent as `Authorization: Bearer <token>`. Errors are `application/problem+json`
(RFC 9457). Large files can be uploaded resumably with the tus 1.0 protocol at `/api/uploads`."""


def create_app(wiring: Wiring | None = None, *, sync_index: bool = True) -> FastAPI:
    """The app; while it is served (its lifespan), a thread keeps the search index in step with the database.

    A supervisor restarts that thread should it die.
    """
    wiring = wiring or wire(Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not sync_index:
            yield
            return
        loop = SyncLoop(wiring.engine, wiring.store, wiring.index, interval=SYNC_SECONDS).start()
        supervisor = Supervisor([("index sync", loop)]).start()
        wiring.commit_hooks.append(loop.nudge)  # a change made through the site is searchable at once
        try:
            yield
        finally:
            wiring.commit_hooks.remove(loop.nudge)
            supervisor.stop()
            loop.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Mawrid",
        summary="Digital content repository of Al-Quds Open University",
        description=API_DESCRIPTION,
        docs_url=None,  # our own page at /api/docs: Swagger UI needs inline scripts and a CDN
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.wiring = wiring
    app.state.browse = BrowseIndex(embargo_hides_metadata=wiring.settings.embargo_hides_metadata)
    app.state.login_throttle = auth.LoginThrottle()
    errors.install(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=wiring.settings.secret(),
        session_cookie=auth.SESSION_COOKIE,
        max_age=int(wiring.settings.session_lifetime_hours * 3600),
        same_site="lax",
        https_only=wiring.settings.base_url.startswith("https://"),
    )
    app.add_middleware(packages.PackageHostMiddleware, package_origin=wiring.settings.package_origin)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routers = [
        *(m.router for m in (api_files, api_items, api_collections, api_jobs, api_tus, api_docs)),  # files first
        oai.router,
        api_search.router,
        *(p.router for p in (public, browse, search, items, reading, courses, discovery, signin, workspace, review)),
        *(p.router for p in (course_builder, editing, admin)),
    ]
    for router in routers:
        app.include_router(router)
    # Added once the routes are known, so the body caps follow the routes marked as taking uploads.
    uploads = upload_paths([route for router in routers for route in router.routes])
    app.add_middleware(BodyLimit, max_upload_bytes=wiring.settings.max_upload_bytes, uploads=uploads)
    app.add_middleware(EdgeMiddleware)  # outermost: a 413 carries the security headers too
    return app
