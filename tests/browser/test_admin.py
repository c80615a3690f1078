"""Administration in a real Chromium: editing the university's structure, staff accounts, the review queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from repository.domain import SYSTEM, Role
from repository.services import users
from repository.services.collections import create_collection, create_community
from repository.settings import Settings
from tests.browser.conftest import Site, new_context, screenshot, serious_violations, sign_in
from tests.factories import make_item
from tests.ldapserver import missing_tools, slapd
from tests.server import served
from tests.web.test_ldap import FACULTY, LIBRARIANS, PEOPLE, SEED
from web.app import create_app
from web.wiring import Wiring, wire

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
            expect(refusal).to_contain_text("This collection still holds 1 item (")
        else:
            expect(refusal).to_contain_text("لا تزال هذه المجموعة تضم مادة واحدة")
            expect(page.get_by_label("الكلية")).to_have_value("adm-edu")
        assert serious_violations(page) == []
        shot(page, f"admin-collection-refused-{lang}")
        context.close()


def test_a_faculty_member_deposits_and_a_librarian_publishes_from_the_review_queue(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    create_community(site.wiring.uow(), SYSTEM, "adm-agri", "Agriculture Research", "أبحاث الزراعة")
    create_collection(site.wiring.uow(), SYSTEM, "adm-agri", "adm-olives", "Olive studies", "دراسات الزيتون")
    faculty = users.add_user(site.wiring.uow(), "dr.sami@qou.edu", "a first password", Role.SUBMITTER, name="Dr Sami")
    users.set_grants(site.wiring.uow(), SYSTEM, faculty.id, ["adm-olives"])

    admin = new_context(browser, "en")
    page = admin.new_page()
    sign_in(page, site)
    page.goto(f"{site.url}/admin/users")
    page.get_by_role("link", name="dr.sami@qou.edu").click()
    page.get_by_role("button", name="Reset the password").click()
    temporary = page.locator("#temporary-password code").inner_text()
    assert serious_violations(page) == []
    shot(page, "admin-user-password-en")

    member = new_context(browser, "en")
    mine = member.new_page()
    mine.goto(f"{site.url}/login")
    mine.fill("#email", "dr.sami@qou.edu")
    mine.fill("#password", temporary)
    mine.click("form[action='/login'] button[type=submit]")
    mine.wait_for_url("**/deposits")
    mine.get_by_role("link", name="New deposit").first.click()
    expect(mine.locator("#collection option")).to_have_count(1)
    document = tmp_path / "olive-pests.txt"
    document.write_text("Olive pests in the Jordan Valley\n\nA field study.", "utf-8")
    mine.set_input_files("#files", str(document))
    mine.fill("#title", "Olive pests in the Jordan Valley")
    mine.select_option("#title_lang", "en")
    mine.click("#upload-form button[type=submit]")
    mine.wait_for_url("**/deposits")
    expect(mine.locator(".flash-success")).to_contain_text("waits for a librarian")
    expect(mine.locator("table")).to_contain_text("Olive pests in the Jordan Valley")
    assert serious_violations(mine) == []
    shot(mine, "admin-submitter-deposits-en")

    arabic = new_context(browser, "ar")
    queue = arabic.new_page()
    sign_in(queue, site)
    queue.goto(f"{site.url}/workspace/review")
    row = queue.locator("tr", has_text="Olive pests in the Jordan Valley")
    expect(row).to_contain_text("دراسات الزيتون — أبحاث الزراعة")
    expect(row).to_contain_text("dr.sami@qou.edu")
    assert serious_violations(queue) == []
    shot(queue, "admin-review-queue-ar")
    row.get_by_role("button", name="نشر").click()
    expect(queue.locator(".flash-success")).to_be_visible()
    expect(queue.locator("tr", has_text="Olive pests in the Jordan Valley")).to_have_count(0)
    queue.goto(f"{site.url}/admin/users/{faculty.id}")
    shot(queue, "admin-user-ar")
    mine.goto(f"{site.url}/deposits")
    expect(mine.locator("table")).to_contain_text("Published")
    for context in (admin, member, arabic):
        context.close()


def _directory_site(tmp_path: Path, ldap_url: str) -> Wiring:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        ldap_url=ldap_url,
        ldap_search_base=PEOPLE,
        ldap_librarian_group=LIBRARIANS,
        ldap_submitter_group=FACULTY,
        ldap_timeout_seconds=2.0,
        _env_file=None,
    )
    return wire(settings)


def _sign_in_as(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")


def test_staff_sign_in_with_their_university_account(browser: Browser, tmp_path: Path) -> None:
    reason = missing_tools()
    if reason:
        pytest.skip(f"no LDAP directory for this test: {reason}")
    with slapd(tmp_path / "slapd", SEED) as ldap_url:
        wiring = _directory_site(tmp_path, ldap_url)
        with served(create_app(wiring, sync_index=False)) as base:
            english = new_context(browser, "en")
            page = english.new_page()
            _sign_in_as(page, base, "rana@qou.edu", "rana-directory-pw")
            page.wait_for_url("**/workspace")
            expect(page.get_by_role("link", name="Review queue")).to_be_visible()
            english.close()
            arabic = new_context(browser, "ar")
            page = arabic.new_page()
            _sign_in_as(page, base, "sami@qou.edu", "not-sami's-password")
            expect(page.locator("#login-error")).to_have_text("البريد الإلكتروني أو كلمة المرور غير صحيحة.")
            assert serious_violations(page) == []
            shot(page, "admin-directory-wrong-password-ar")
            _sign_in_as(page, base, "sami@qou.edu", "sami-directory-pw")
            page.wait_for_url("**/deposits")
            expect(page.locator(".notice.warn")).to_contain_text("لم تُمنح لك أي مجموعة بعد")
            shot(page, "admin-directory-submitter-ar")
            arabic.close()
        wiring.engine.dispose()
    # The directory is gone now: its accounts are told so, local ones still sign in.
    wiring = _directory_site(tmp_path, ldap_url)
    users.add_user(wiring.uow(), "local.admin@qou.edu", "a long enough password", Role.ADMIN)
    with served(create_app(wiring, sync_index=False)) as base:
        for lang in ("en", "ar"):
            context = new_context(browser, lang)
            page = context.new_page()
            _sign_in_as(page, base, "rana@qou.edu", "rana-directory-pw")
            expect(page.locator("#login-error")).to_be_visible()
            if lang == "en":
                expect(page.locator("#login-error")).to_contain_text("The university directory cannot be reached")
            assert serious_violations(page) == []
            shot(page, f"admin-directory-down-{lang}")
            _sign_in_as(page, base, "local.admin@qou.edu", "a long enough password")
            page.wait_for_url("**/workspace")
            context.close()
    wiring.engine.dispose()
