"""Administration in a real Chromium: editing the university's structure, staff accounts, the review queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from repository.domain import SYSTEM
from repository.services.collections import create_collection, create_community
from tests.browser.conftest import Site, new_context, screenshot, serious_violations, sign_in
from tests.factories import make_item

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/mawrid-admin")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_an_administrator_moves_a_collection_and_is_told_why_it_cannot_be_deleted(site: Site, browser: Browser) -> None:
    create_community(site.wiring.uow(), SYSTEM, "adm-grad", "Graduate Studies Office", "مكتب الدراسات العليا")
    create_community(site.wiring.uow(), SYSTEM, "adm-edu", "Educational Sciences Research", "أبحاث العلوم التربوية")
    create_collection(site.wiring.uow(), SYSTEM, "adm-grad", "edu-theses", "Theses", "الرسائل")
    make_item(site.wiring, "edu-theses", "Teacher training in Nablus")  # type: ignore[arg-type]
    for lang in ("en", "ar"):
        context = new_context(browser, lang)
        page = context.new_page()
        sign_in(page, site)
        page.goto(f"{site.url}/admin/collections")
        page.locator("a[href='/admin/collections/edu-theses']").click()
        if lang == "en":
            page.get_by_label("English name").fill("Theses in Education")
            page.get_by_label("Arabic description").fill("رسائل الماجستير في التربية")
            page.get_by_label("Community").select_option("adm-edu")
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.locator(".flash-success")).to_have_text("The collection was saved.")
            row = page.locator("tr", has=page.locator("a[href='/admin/collections/edu-theses']"))
            expect(row).to_contain_text("Educational Sciences Research")
            page.locator("a[href='/admin/collections/edu-theses']").click()
        page.locator("form[action$='/edu-theses/delete'] button").click()
        refusal = page.locator("#refused")
        expect(refusal).to_be_visible()
        if lang == "en":
            expect(refusal).to_contain_text("This collection still holds 1 items")
        else:
            expect(refusal).to_contain_text("لا تزال هذه المجموعة تضم 1 من المواد")
            expect(page.get_by_label("الكلية")).to_have_value("adm-edu")
        assert serious_violations(page) == []
        shot(page, f"admin-collection-refused-{lang}")
        context.close()
