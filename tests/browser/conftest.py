"""A live Mawrid for the browser: the demo content, ingested and indexed, served by uvicorn on loopback.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright; these
machines have no outside network, so Playwright never downloads a browser of
its own. Everything runs on the embedded backend (SQLite, local files,
tantivy); the route tests cover PostgreSQL and S3.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from harvest.exports import bagit
from indexer.sync import sync
from repository.domain import SYSTEM, Role
from repository.services import batch, users
from repository.settings import Settings
from tests.server import free_port, served
from web.app import create_app
from web.wiring import Wiring, run_pending_jobs, start_workers, wire

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MAWRID_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = ("admin@qou.edu", "a long enough password")
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
expect.set_options(timeout=15_000)  # a busy two-core CI machine is slower than a laptop


@dataclass
class Site:
    url: str
    wiring: Wiring

    def item_id(self, title_part: str) -> str:
        from sqlalchemy import select

        from repository.db import tables as t
        from repository.db.uow import reading

        with reading(self.wiring.engine) as conn:
            for row in conn.execute(select(t.items.c.id, t.items.c.metadata)):
                if any(title_part in x["value"] for x in row.metadata.get("titles", [])):
                    return str(row.id)
        raise LookupError(title_part)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    port = free_port()
    data = tmp_path_factory.mktemp("site")
    settings = Settings(  # type: ignore[call-arg]
        data_dir=data,
        base_url=f"http://127.0.0.1:{port}",
        package_origin=f"http://localhost:{port}",  # packages play from a host of their own, as `make run` does
        _env_file=None,
    )
    wiring = wire(settings)
    bagit.restore_structure(wiring.uow(), SYSTEM, ROOT / "demo" / "structure.json")
    entries = batch.read_folder(ROOT / "demo" / "items", confined=True)
    batch.import_entries(wiring.uow(), wiring.store, SYSTEM, entries, entries[0].collection_id or "", publish=True)
    users.add_user(wiring.uow(), ADMIN[0], ADMIN[1], Role.ADMIN, name="Amal Nasser")
    run_pending_jobs(wiring, workers=2)
    sync(wiring.engine, wiring.store, wiring.index)
    pool = start_workers(wiring, 1)  # uploads made in the browser are ingested while the tests watch
    with served(create_app(wiring), port, lifespan="on") as base:
        yield Site(base, wiring)
    pool.stop()
    wiring.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def new_context(browser: Browser, lang: str) -> BrowserContext:
    context = browser.new_context(
        locale="ar" if lang == "ar" else "en-US",
        extra_http_headers={"Accept-Language": "ar" if lang == "ar" else "en"},
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, "en")
    yield context.new_page()
    context.close()


def sign_in(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#email", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/workspace")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session", autouse=True)
def _clean_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


_AXE = Axe()


def violations(page: Page, impacts: tuple[str, ...] = ("minor", "moderate", "serious", "critical")) -> list[str]:
    """axe-core's findings of these impacts on the page, one readable line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in _AXE.run(page).response["violations"]
        if v["impact"] in impacts
    ]


def serious_violations(page: Page) -> list[str]:
    return violations(page, ("serious", "critical"))
