"""Every page type, in Arabic and in English: no serious or critical axe-core violation; screenshots saved."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import Site, new_context, screenshot, serious_violations, sign_in

pytestmark = pytest.mark.browser


def _first_pdf(site: Site) -> str:
    from sqlalchemy import select

    from repository.db import tables as t
    from repository.db.uow import reading

    with reading(site.wiring.engine) as conn:
        return str(conn.execute(select(t.files.c.item_id).where(t.files.c.mime == "application/pdf")).scalars().first())


def _video_item(site: Site) -> str:
    from sqlalchemy import select

    from repository.db import tables as t
    from repository.db.uow import reading

    with reading(site.wiring.engine) as conn:
        return str(conn.execute(select(t.files.c.item_id).where(t.files.c.mime.like("video/%"))).scalars().first())


PUBLIC: dict[str, Callable[[Site], str]] = {
    "home": lambda s: "/",
    "search": lambda s: "/search?q=%D8%A7%D9%84%D9%84%D8%BA%D8%A9",
    "search-all": lambda s: "/search",
    "item-pdf": lambda s: f"/items/{_first_pdf(s)}",
    "item-video": lambda s: f"/items/{_video_item(s)}",
    "community": lambda s: "/communities/media",
    "collection": lambda s: "/collections/arts-books",
    "browse": lambda s: "/browse",
    "browse-title": lambda s: "/browse/title",
    "browse-author": lambda s: "/browse/author",
    "browse-year": lambda s: "/browse/year",
    "about": lambda s: "/about",
    "not-found": lambda s: "/items/no-such-item",
    "sign-in": lambda s: "/login",
    "api-docs": lambda s: "/api/docs",
}
STAFF: dict[str, Callable[[Site], str]] = {
    "workspace": lambda s: "/workspace",
    "workspace-items": lambda s: "/workspace/items",
    "upload": lambda s: "/workspace/upload",
    "edit-item": lambda s: f"/workspace/items/{_first_pdf(s)}",
    "history": lambda s: f"/workspace/items/{_first_pdf(s)}/history",
    "withdraw": lambda s: f"/workspace/items/{_first_pdf(s)}/withdraw",
    "jobs": lambda s: "/workspace/jobs",
    "import": lambda s: "/workspace/import",
    "tokens": lambda s: "/workspace/tokens",
    "admin-users": lambda s: "/admin/users",
    "admin-collections": lambda s: "/admin/collections",
    "admin-collection": lambda s: "/admin/collections/arts-books",
    "admin-community": lambda s: "/admin/communities/media",
    "admin-user": lambda s: "/admin/users/1",
    "review-queue": lambda s: "/workspace/review",
}


def _scan(
    site: Site, browser: Browser, lang: str, pages: dict[str, Callable[[Site], str]], staff: bool
) -> dict[str, list[str]]:
    context = new_context(browser, lang)
    page = context.new_page()
    if staff:
        sign_in(page, site)
    found: dict[str, list[str]] = {}
    for name, path in pages.items():
        response = page.goto(site.url + path(site))
        assert response is not None and response.status == (404 if name == "not-found" else 200), name
        assert page.locator("html").get_attribute("lang") == lang
        bad = serious_violations(page)
        if bad:
            found[name] = bad
        screenshot(page, f"{name}-{lang}")
    context.close()
    return found


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_public_pages_have_no_serious_accessibility_violations(site: Site, browser: Browser, lang: str) -> None:
    assert _scan(site, browser, lang, PUBLIC, staff=False) == {}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_workspace_pages_have_no_serious_accessibility_violations(site: Site, browser: Browser, lang: str) -> None:
    assert _scan(site, browser, lang, STAFF, staff=True) == {}
