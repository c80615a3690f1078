"""One embargo rule everywhere: the record is public, the files and full text are closed until the date.

With `MAWRID_EMBARGO_HIDES_METADATA=true` the whole record is hidden instead,
from the site, the API, search, sitemaps, feeds and OAI-PMH alike.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist

from indexer.sync import sync
from repository.services.workflow import set_embargo
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.indexer.conftest import add_text
from tests.server import served
from web.app import create_app
from web.wiring import Wiring

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BASE = "https://repository.qou.test"
UNTIL = date.today() + timedelta(days=30)


@pytest.fixture(params=[False, True], ids=["metadata-public", "metadata-hidden"])
def hides(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def site(wiring: Wiring, hides: bool) -> Wiring:
    settings = wiring.settings.model_copy(update={"base_url": BASE, "embargo_hides_metadata": hides})
    return Wiring(settings=settings, engine=wiring.engine, store=wiring.store)


@pytest.fixture
def reader(site: Wiring) -> Iterator[TestClient]:
    with TestClient(create_app(site, sync_index=False), base_url="http://testserver") as c:
        yield c


def test_embargoed_record_is_public_and_its_files_and_full_text_closed_unless_hidden(
    reader: TestClient, site: Wiring, collection: str, hides: bool
) -> None:
    item = make_item(
        site,
        collection,
        "Perlite deposits of the Jordan valley",
        files={"thesis.pdf": PDF},
        subjects=[{"value": "Geology"}],
    )
    add_text(site, item.id, "The closed text mentions vermiculite.")
    set_embargo(site.uow(), LIBRARIAN, item.id, UNTIL)
    sync(site.engine, site.store, site.index)
    ref = item.files[0]
    en = {"accept-language": "en"}

    page = reader.get(f"/items/{item.id}", headers=en)
    searched = reader.get("/search", params={"q": "perlite"}, headers=en).text
    api_search = reader.get("/api/search", params={"q": "perlite"}).json()
    listed = {
        "browse": reader.get("/browse/title", headers=en).text,
        "collection": reader.get(f"/collections/{collection}", headers=en).text,
        "sitemap": reader.get("/sitemap-items-1.xml").text,
        "feed": reader.get("/feed.atom").text,
        "api": reader.get("/api/items").text,
    }
    if hides:
        assert page.status_code == 404 and "Perlite" not in page.text
        assert reader.get(f"/api/items/{item.id}").status_code == 404
        assert "Perlite" not in searched and api_search["total"] == 0
        assert {name: item.id in text for name, text in listed.items()} == dict.fromkeys(listed, False)
    else:
        assert page.status_code == 200 and "Perlite deposits" in page.text
        assert "Files available from" in page.text
        assert f"/files/{ref.id}/" not in page.text and "/thumbnail" not in page.text
        api_item = reader.get(f"/api/items/{item.id}").json()
        assert api_item["embargo_until"] == UNTIL.isoformat() and "/content" not in str(api_item.get("files"))
        assert "Perlite deposits" in searched and api_search["total"] == 1
        assert {name: item.id in text for name, text in listed.items()} == dict.fromkeys(listed, True)
    # Whatever the setting, the full text neither matches nor shows, and the files stay closed.
    assert "closed text" not in reader.get("/search", params={"q": "vermiculite"}).text
    assert reader.get("/api/search", params={"q": "vermiculite"}).json()["total"] == 0
    for path in (
        f"/items/{item.id}/files/{ref.id}/{ref.name}",
        f"/items/{item.id}/thumbnail",
        f"/api/items/{item.id}/files/{ref.id}/content",
    ):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert b"%PDF" not in response.content and b"vermiculite" not in response.content


def test_oai_serves_the_embargoed_record_without_files_or_hides_it_with_the_site(
    site: Wiring, collection: str, hides: bool
) -> None:
    item = make_item(site, collection, "Perlite deposits of the Jordan valley", files={"thesis.pdf": PDF})
    open_item = make_item(site, collection, "An open article")
    set_embargo(site.uow(), LIBRARIAN, item.id, UNTIL)
    time.sleep(1.1)  # a list harvest starts one second back: let these changes be history
    with served(create_app(site, sync_index=False)) as url:
        oai = Sickle(f"{url}/oai", max_retries=0)
        identifier = f"oai:repository.qou.test:{item.id}"
        try:
            record = oai.GetRecord(identifier=identifier, metadataPrefix="oai_dc")
        except IdDoesNotExist:  # pragma: no cover - the record must be known either way
            pytest.fail("the embargoed record is unknown to OAI-PMH")
        listed = {r.header.identifier: r for r in oai.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)}
    assert f"oai:repository.qou.test:{open_item.id}" in listed
    if hides:
        assert record.header.deleted and listed[identifier].header.deleted
        assert "Perlite" not in record.raw
    else:
        assert not record.header.deleted and record.metadata["title"] == ["Perlite deposits of the Jordan valley"]
        assert "info:eu-repo/semantics/embargoedAccess" in record.raw and "/files/" not in record.raw
        assert not listed[identifier].header.deleted
