"""Reflow (WCAG 2.1 1.4.10): at 320 CSS pixels no page scrolls sideways, in either language, and the
header folds its navigation behind a menu button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Site, new_context, screenshot, sign_in
from tests.browser.test_accessibility import PUBLIC, STAFF

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 640}
# Beyond the viewport by more than rounding: what forces a reader to scroll sideways.
OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('main *, header *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1);
  });
  return {width: document.documentElement.scrollWidth, culprits: wide.slice(0, 3).map(e => e.outerHTML.slice(0, 80))};
}"""


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_page_reflows_at_320_pixels(site: Site, browser: Browser, lang: str) -> None:
    context = new_context(browser, lang)
    page = context.new_page()
    page.set_viewport_size(NARROW)
    sign_in(page, site)
    wide = {}
    for name, path in {**PUBLIC, **STAFF}.items():
        page.goto(site.url + path(site))
        found = page.evaluate(OVERFLOW)
        if found["width"] > NARROW["width"]:
            wide[name] = found
        if name in ("workspace-items", "jobs", "history", "search-all"):
            screenshot(page, f"narrow-{name}-{lang}")
    context.close()
    assert wide == {}


def test_rows_of_workspace_tables_become_labelled_cards(site: Site, browser: Browser) -> None:
    context = new_context(browser, "en")
    page = context.new_page()
    page.set_viewport_size(NARROW)
    sign_in(page, site)
    page.goto(f"{site.url}/workspace/items")
    cell = page.locator("table.data-table tbody tr").first.locator("td").nth(2)
    assert cell.get_attribute("data-label") == "Status"
    assert "Status" in page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
    context.close()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_header_folds_behind_a_menu_button_on_phones(site: Site, browser: Browser, lang: str) -> None:
    context = new_context(browser, lang)
    page = context.new_page()
    page.set_viewport_size(NARROW)
    page.goto(f"{site.url}/")
    menu = page.locator("[data-menu-button]")
    browse = page.locator(".main-nav a[href='/browse']")
    expect(menu).to_be_visible()
    expect(browse).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(browse).to_be_visible()
    screenshot(page, f"narrow-menu-{lang}")
    page.keyboard.press("Escape")
    expect(browse).to_be_hidden()
    expect(menu).to_be_focused()

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu).to_be_hidden()
    expect(browse).to_be_visible()
    context.close()
