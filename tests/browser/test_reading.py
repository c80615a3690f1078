"""The reading page in a real browser, in Arabic and English: no axe violation at all, text size and
contrast worked by the keyboard alone; screenshots in tests/artifacts/screenshots/reading-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site, new_context, screenshot, violations

pytestmark = pytest.mark.browser
ITEMS = {"ar": "demo-arabic-book", "en": "demo-quantum"}


def _tab_to(page: Page, name: str) -> None:
    """Press Tab until the button called `name` has the focus, as a keyboard user would."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("item", ["ar", "en"], ids=["arabic-text", "english-text"])
def test_reading_page_passes_axe_and_works_by_keyboard(site: Site, browser: Browser, lang: str, item: str) -> None:
    context = new_context(browser, lang)
    page = context.new_page()
    page.goto(f"{site.url}/items/{ITEMS[item]}/read?lang={lang}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("article.reading-text")).to_be_visible()
    assert page.locator("main").count() == 1 and page.locator("nav[aria-label]").count() >= 2
    assert violations(page) == []
    screenshot(page, f"reading-{item}-text-{lang}")

    larger, contrast = ("تكبير النص", "تباين عالٍ") if lang == "ar" else ("Larger text", "High contrast")
    article = page.locator("article.reading-text")
    before = article.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    _tab_to(page, larger)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("[data-size-status]")).to_contain_text("130%")
    assert article.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") > before * 1.2
    _tab_to(page, contrast)
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name=contrast)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-reading]")).to_have_class("wrap page reading high-contrast")
    assert article.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 0, 0)"
    assert violations(page) == []
    screenshot(page, f"reading-{item}-text-{lang}-large-contrast")

    page.reload()  # the choice is remembered in this browser
    expect(page.get_by_role("button", name=contrast)).to_have_attribute("aria-pressed", "true")
    context.close()
