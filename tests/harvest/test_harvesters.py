"""Real harvesters (sickle, oaipmh-scythe, pyoai) against the app served by uvicorn on a loopback port."""

from __future__ import annotations

import time
import types
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import oaipmh.client
import oaipmh.metadata
import pytest
from lxml import etree
from oaipmh.client import Client as PyoaiClient
from oaipmh.metadata import MetadataRegistry, oai_dc_reader
from oaipmh_scythe import Scythe
from oaipmh_scythe.config import HTTPConfig
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist

from repository.domain import Visibility, utcnow
from repository.services.workflow import delete_item, set_visibility, withdraw_item
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.harvest.conftest import BASE_URL, oai_id
from tests.harvest.xsd import assert_valid
from tests.server import served
from web.app import create_app
from web.wiring import Wiring

PDF = b"%PDF-1.4\n%%EOF\n"
ARABIC_TITLES = [
    "أثر التعليم الإلكتروني على طلبة جامعة القدس المفتوحة",
    "الصحافة الفلسطينية في القرن العشرين",
    "مُقَدِّمَة في الإحصاء — الجزء الأول",
]
ARABIC_CREATOR = "عبد الله يوسف الخطيب"


@dataclass
class Repository:
    endpoint: str
    public: set[str]  # records harvesters must receive with metadata
    gone: set[str]  # records they must receive as deleted headers
    never: set[str]  # records never public: harvesters must not hear of them at all
    titles: dict[str, str]


@pytest.fixture
def repository(oai_wiring: Wiring, collection: str) -> Iterator[Repository]:
    public: dict[str, str] = {}
    for n in range(14):
        title = ARABIC_TITLES[n % 3] + f" ({n})" if n % 2 == 0 else f"Open learning, volume {n}"
        files = {f"بحث {n}.pdf": PDF} if n % 3 == 0 else None
        item = make_item(oai_wiring, collection, title, files=files, creators=[{"name": ARABIC_CREATOR}], language="ar")
        public[oai_id(item)] = title
    gone = set()
    for n in range(3):
        item = make_item(oai_wiring, collection, f"Leaving {n}")
        (delete_item if n else withdraw_item)(oai_wiring.uow(), LIBRARIAN, item.id)
        gone.add(oai_id(item))
    restricted = make_item(oai_wiring, collection, "Restricted after publication")
    set_visibility(oai_wiring.uow(), LIBRARIAN, restricted.id, Visibility.RESTRICTED)
    gone.add(oai_id(restricted))
    never = {oai_id(make_item(oai_wiring, collection, "Restricted from the start", visibility=Visibility.RESTRICTED))}
    deleted_draft = make_item(oai_wiring, collection, "Deleted draft", published=False)
    delete_item(oai_wiring.uow(), LIBRARIAN, deleted_draft.id)
    never.add(oai_id(deleted_draft))
    never.add(oai_id(make_item(oai_wiring, collection, "Draft", published=False)))
    # A harvest is a snapshot of the past second: start it once the records made now are history.
    last = utcnow()
    while utcnow() <= last:
        time.sleep(0.05)
    with served(create_app(oai_wiring)) as base:
        yield Repository(f"{base}/oai", set(public), gone, never, public)


def assert_complete(received: list[str], deleted: list[str], repository: Repository) -> None:
    repeated = [i for i, n in Counter(received).items() if n > 1]
    assert not repeated, f"delivered more than once: {repeated}"
    assert set(received) == repository.public | repository.gone
    assert set(deleted) == repository.gone
    assert not set(received) & repository.never


def test_sickle_harvests_every_record_exactly_once_by_get(repository: Repository) -> None:
    sickle = Sickle(repository.endpoint, max_retries=0)
    identify = sickle.Identify()
    assert identify.baseURL == f"{BASE_URL}/oai" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    received, deleted = [], []
    for record in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        received.append(record.header.identifier)
        if record.header.deleted:
            deleted.append(record.header.identifier)
            continue
        assert record.metadata["title"] == [repository.titles[record.header.identifier]]  # Arabic intact
        assert record.metadata["creator"] == [ARABIC_CREATOR]
    assert_complete(received, deleted, repository)
    headers = list(sickle.ListIdentifiers(metadataPrefix="mods", ignore_deleted=False))
    assert sorted(h.identifier for h in headers) == sorted(received)
    assert {s.setSpec for s in sickle.ListSets()} >= {"media", "media:journalism", "oer", "openaccess"}


def test_sickle_never_hears_of_items_that_were_never_public(repository: Repository) -> None:
    sickle = Sickle(repository.endpoint, max_retries=0)
    listed = {h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)}
    assert listed == repository.public | repository.gone and not listed & repository.never
    for identifier in repository.never:  # a deleted draft, a restricted-from-the-start item, a draft
        with pytest.raises(IdDoesNotExist):
            sickle.GetRecord(identifier=identifier, metadataPrefix="oai_dc")
    for identifier in repository.gone:  # once public: a persistent deleted header
        assert sickle.GetRecord(identifier=identifier, metadataPrefix="oai_dc").header.deleted


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_oaipmh_scythe_harvests_every_record_exactly_once(repository: Repository, method: str) -> None:
    with Scythe(repository.endpoint, http_config=HTTPConfig(http_method=method)) as scythe:
        assert scythe.identify().repositoryName
        received, deleted = [], []
        for record in scythe.list_records(metadata_prefix="oai_openaire"):
            received.append(record.header.identifier)
            if record.deleted:
                deleted.append(record.header.identifier)
            else:
                assert repository.titles[record.header.identifier] in record.metadata["title"]
        assert_complete(received, deleted, repository)
        formats = [f.metadataPrefix for f in scythe.list_metadata_formats()]
        assert formats == ["oai_dc", "oai_openaire", "datacite", "mods", "lom"]


class _Evaluator:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._evaluate = etree.XPathEvaluator(*args, **kwargs)

    def evaluate(self, path: str, **variables: Any) -> Any:
        return self._evaluate(path, **variables)

    __call__ = evaluate


class _LxmlForPyoai(types.ModuleType):
    """lxml as pyoai 2.5.0 (the latest release) knows it: with `XPathEvaluator(...).evaluate`, an alias
    lxml 6 removed. Handed to pyoai's modules only; pyoai itself is unchanged."""

    XPathEvaluator = _Evaluator

    def __getattr__(self, name: str) -> Any:
        return getattr(etree, name)


@pytest.fixture
def pyoai_on_lxml6(monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(etree.XPathElementEvaluator, "evaluate"):
        return
    shim = _LxmlForPyoai("lxml.etree")
    monkeypatch.setattr(oaipmh.client, "etree", shim)
    monkeypatch.setattr(oaipmh.metadata, "etree", shim)


@pytest.mark.usefixtures("pyoai_on_lxml6")
def test_pyoai_harvests_every_record_exactly_once_by_post(repository: Repository) -> None:
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = PyoaiClient(repository.endpoint, registry)  # pyoai sends its requests as POST forms
    identify = client.identify()
    assert identify.deletedRecord() == "persistent"
    assert identify.earliestDatestamp() <= utcnow()  # both naive UTC
    received, deleted = [], []
    for header, metadata, _about in client.listRecords(metadataPrefix="oai_dc"):
        received.append(header.identifier())
        if header.isDeleted():
            deleted.append(header.identifier())
        else:
            assert metadata.getField("title") == [repository.titles[header.identifier()]]
    assert_complete(received, deleted, repository)
    one = sorted(repository.public)[0]
    header, metadata, _ = client.getRecord(identifier=one, metadataPrefix="oai_dc")
    assert metadata.getField("title") == [repository.titles[one]]


def test_http_answers_are_200_xml_and_schema_valid(repository: Repository) -> None:
    with httpx.Client(timeout=30) as http:
        cases = [
            http.get(repository.endpoint, params={"verb": "Identify"}),
            http.get(repository.endpoint, params=[("verb", "Identify"), ("verb", "Identify")]),
            http.get(repository.endpoint),
            http.post(repository.endpoint, data={"verb": "ListSets"}),
            http.post(repository.endpoint, content=b"verb=Identify", headers={"content-type": "text/plain"}),
            http.get(repository.endpoint, params={"verb": "ListRecords", "resumptionToken": "forged.token"}),
        ]
    codes = []
    for response in cases:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        error = assert_valid(response.content).find("{*}error")
        codes.append(None if error is None else error.get("code"))
    assert codes == [None, "badVerb", "badVerb", None, "badArgument", "badResumptionToken"]


def test_sickle_gets_records_by_domain_name_identifiers_from_a_server_on_an_ip_address(
    wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, ARABIC_TITLES[0], creators=[{"name": ARABIC_CREATOR}], language="ar")
    with served(create_app(wiring)) as base:  # base_url stays http://127.0.0.1:8000: an IP address
        sickle = Sickle(f"{base}/oai", max_retries=0)
        identify = sickle.Identify()
        described = etree.fromstring(identify.raw.encode())
        record = sickle.GetRecord(identifier=f"oai:mawrid.local:{item.id}", metadataPrefix="oai_dc")
        with pytest.raises(IdDoesNotExist):
            sickle.GetRecord(identifier=f"oai:127.0.0.1:{item.id}", metadataPrefix="oai_dc")
        response = httpx.get(f"{base}/oai", params={"verb": "Identify"})
    assert_valid(response.content)
    assert described.findtext(".//{*}repositoryIdentifier") == "mawrid.local"
    assert described.findtext(".//{*}sampleIdentifier", "").startswith("oai:mawrid.local:")
    assert record.header.identifier == f"oai:mawrid.local:{item.id}"
    assert record.metadata["title"] == [ARABIC_TITLES[0]]
