"""What readers and librarians do, in a real Chromium: search, read, switch language, upload, use the keyboard."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site, new_context, screenshot, sign_in
from tests.repository.ingest.builders import pdf

pytestmark = pytest.mark.browser


def test_search_and_open_an_item(site: Site, page: Page) -> None:
    page.goto(site.url)
    page.get_by_role("searchbox", name="Search the repository").fill("mice")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{site.url}/search?q=mice")
    result = page.locator("ol.item-list a").first
    expect(result).to_contain_text("Two mice")
    expect(page.locator("mark").first).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two mice: a short video with captions")
    expect(page.locator("video track[kind=captions]")).to_have_count(1)
    screenshot(page, "journey-item-en")


def test_switching_to_arabic_keeps_the_page_and_turns_it_right_to_left(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/browse/title")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_role("link", name="العربية", exact=True).click()
    expect(page).to_have_url(f"{site.url}/browse/title")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.get_by_role("heading", level=1)).to_have_text("تصفّح حسب العنوان")
    # Mirrored: the brand sits at the right edge, the navigation to its left.
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".main-nav").bounding_box()
    assert brand and nav and brand["x"] > nav["x"]
    # The choice is remembered on the next page, whatever the browser asks for.
    page.goto(f"{site.url}/about")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    screenshot(page, "journey-about-ar")


def test_a_librarian_uploads_a_pdf_and_it_becomes_searchable(site: Site, browser: Browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    word = f"zaytoonology{int(time.time())}"
    document = tmp_path / "olive-harvest.pdf"
    document.write_bytes(
        pdf(
            [[f"Olive harvest and {word} in Palestine", "موسم قطف الزيتون"]],
            title="Olive harvest study",
            author="Huda Saleh",
        )
    )
    context = new_context(browser, "en")
    page = context.new_page()
    sign_in(page, site)
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Choose one or more files").set_input_files(str(document))
    page.get_by_label("Collection").select_option("tech-articles")
    page.get_by_label("Type").select_option("article")
    page.get_by_role("button", name="Upload and extract").click()
    expect(page.locator(".flash-success")).to_contain_text("queued for extraction", timeout=20_000)
    # The job badge updates itself while the worker extracts the text.
    expect(page.locator("[data-job] .status-badge")).to_have_text("Done", timeout=60_000)
    screenshot(page, "journey-uploaded-en")
    page.reload()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("Published")
    deadline = time.monotonic() + 60
    while True:
        page.goto(f"{site.url}/search?q={word}")
        if page.locator("ol.item-list li").count():
            break
        assert time.monotonic() < deadline, "the upload never became searchable"
        time.sleep(1)
    expect(page.locator("ol.item-list a").first).to_contain_text("Olive harvest")
    expect(page.locator("mark").first).to_have_text(word)
    context.close()


def _focused(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement; const style = getComputedStyle(el);
                   return {tag: el.tagName, id: el.id, href: el.getAttribute('href') || '', type: el.type || '',
                           text: (el.textContent || '').trim(), outline: style.outlineStyle}; }"""
    )


def _tab_until(page: Page, wanted, limit: int = 80) -> dict[str, str]:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
    raise AssertionError("the keyboard never reached the wanted control")


def test_keyboard_alone_searches_opens_and_uploads(site: Site, browser: Browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, "en")
    page = context.new_page()
    page.goto(site.url)
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["href"] == "#main" and skip["outline"] != "none"
    page.keyboard.press("Enter")
    field = _tab_until(page, lambda f: f["id"] == "home-q")
    assert field["outline"] != "none"
    page.keyboard.type("Arabic")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Arabic")
    link = _tab_until(page, lambda f: f["href"].startswith("/items/"))
    assert link["outline"] != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{link['href']}")
    # Sign in and upload with the keyboard; only the operating system's file chooser is stood in for.
    page.goto(f"{site.url}/login")
    _tab_until(page, lambda f: f["id"] == "email")
    page.keyboard.type("admin@qou.edu")
    page.keyboard.press("Tab")
    page.keyboard.type("a long enough password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace")
    page.goto(f"{site.url}/workspace/upload")
    _tab_until(page, lambda f: f["id"] == "files")
    document = tmp_path / "keyboard.pdf"
    document.write_bytes(pdf([["Typed with a keyboard"]]))
    page.locator("#files").set_input_files(str(document))
    _tab_until(page, lambda f: f["id"] == "title")
    page.keyboard.type("Uploaded with the keyboard")
    submit = _tab_until(page, lambda f: f["type"] == "submit" and "Upload" in f["text"])
    assert submit["outline"] != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uploaded with the keyboard", timeout=20_000)
    context.close()
