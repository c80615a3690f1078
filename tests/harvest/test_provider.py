"""The data provider on real databases (SQLite + local files, PostgreSQL + S3): every response XSD-valid."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lxml import etree
from pydantic import ValidationError
from sqlalchemy import event

from harvest.service import OaiProvider
from repository.db.engine import make_engine, migrate
from repository.domain import SYSTEM, Visibility
from repository.objects.local import LocalObjectStore
from repository.services.collections import create_collection, create_community
from repository.services.deposit import deposit_item, update_metadata
from repository.services.workflow import (
    delete_item,
    publish_item,
    return_to_draft,
    set_embargo,
    set_visibility,
    withdraw_item,
)
from repository.settings import Settings
from tests.conftest import BACKENDS, LIBRARIAN, PG_ADMIN
from tests.factories import make_item, metadata
from tests.harvest.conftest import (
    BASE_URL,
    HOST,
    NS,
    Ask,
    Clock,
    deleted,
    error_code,
    harvest,
    identifiers,
    oai_id,
    publish_at,
)
from tests.harvest.xsd import assert_valid
from web.wiring import Wiring

T0 = datetime(2024, 5, 1, 10, 0, 0)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def text(element: etree._Element, path: str) -> str | None:
    return element.findtext(path, namespaces=NS)


# --- Identify, ListMetadataFormats, ListSets ---------------------------------------------------


def test_identify_describes_the_repository(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    deposit_item(oai_wiring.uow(), LIBRARIAN, collection, metadata("never public"), clock=lambda: T0)
    publish_at(oai_wiring, collection, T0 + timedelta(days=1), "first public")
    publish_at(oai_wiring, collection, T0 + timedelta(days=2), "second public")
    identify = ask("Identify").find("oai:Identify", NS)
    assert identify is not None
    assert text(identify, "oai:repositoryName") == oai_wiring.settings.repository_name
    assert text(identify, "oai:baseURL") == f"{BASE_URL}/oai"
    assert text(identify, "oai:protocolVersion") == "2.0"
    assert text(identify, "oai:adminEmail") == oai_wiring.settings.admin_email
    assert text(identify, "oai:earliestDatestamp") == "2024-05-02T10:00:00Z"  # the draft does not count
    assert text(identify, "oai:deletedRecord") == "persistent"
    assert text(identify, "oai:granularity") == "YYYY-MM-DDThh:mm:ssZ"
    description = identify.find("oai:description/{*}oai-identifier", NS)
    assert description is not None
    assert description.findtext("{*}repositoryIdentifier") == HOST
    assert description.findtext("{*}sampleIdentifier", "").startswith(f"oai:{HOST}:")


def test_identifiers_on_an_ip_address_use_a_domain_name_namespace(wiring: Wiring, collection: str) -> None:
    provider = OaiProvider(wiring.engine, wiring.settings)  # base_url http://127.0.0.1:8000
    identify = assert_valid(provider.respond([("verb", "Identify")]))
    assert text(identify, "oai:Identify/oai:baseURL") == "http://127.0.0.1:8000/oai"
    description = identify.find("oai:Identify/oai:description/{*}oai-identifier", NS)
    assert description is not None and description.findtext("{*}repositoryIdentifier") == "mawrid.local"
    item = make_item(wiring, collection, "An article")
    found = assert_valid(
        provider.respond(
            [("verb", "GetRecord"), ("identifier", f"oai:mawrid.local:{item.id}"), ("metadataPrefix", "oai_dc")]
        )
    )
    assert found.find("oai:GetRecord/oai:record/oai:metadata", NS) is not None
    old = assert_valid(
        provider.respond(
            [("verb", "GetRecord"), ("identifier", f"oai:127.0.0.1:{item.id}"), ("metadataPrefix", "oai_dc")]
        )
    )
    assert old.find("oai:error", NS).get("code") == "idDoesNotExist"


def test_the_oai_namespace_setting_must_be_a_domain_name_and_wins_over_the_host(wiring: Wiring) -> None:
    named = wiring.settings.model_copy(update={"base_url": "https://repository.qou.edu"})
    assert named.oai_identifier("x1") == "oai:repository.qou.edu:x1"
    chosen = Settings(base_url="http://10.0.0.5:8000", oai_namespace="Repository.QOU.edu", _env_file=None)  # type: ignore[call-arg]
    assert chosen.oai_identifier("x1") == "oai:repository.qou.edu:x1"
    for bad in ("127.0.0.1", "localhost", "repo_qou.edu"):
        with pytest.raises(ValidationError):
            Settings(oai_namespace=bad, _env_file=None)  # type: ignore[call-arg]


def test_list_metadata_formats_for_the_repository_and_per_item(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    article = make_item(oai_wiring, collection, "An article")
    course = make_item(oai_wiring, collection, "A course", type="course")
    draft = make_item(oai_wiring, collection, "A draft", published=False)

    def prefixes(**arguments: str) -> list[str]:
        response = ask("ListMetadataFormats", **arguments)
        return [e.text or "" for e in response.findall(".//oai:metadataPrefix", NS)]

    assert prefixes() == ["oai_dc", "oai_openaire", "datacite", "mods", "lom"]
    assert prefixes(identifier=oai_id(article)) == ["oai_dc", "oai_openaire", "datacite", "mods"]
    assert prefixes(identifier=oai_id(course)) == ["oai_dc", "oai_openaire", "datacite", "mods", "lom"]
    for unknown in (oai_id(draft), oai_id("nosuchitem"), f"oai:elsewhere.org:{article.id}", article.id):
        assert error_code(ask("ListMetadataFormats", identifier=unknown)) == "idDoesNotExist"


def test_list_sets_names_communities_collections_types_oer_and_open_access(
    oai_wiring: Wiring, collection: str, ask: Ask
) -> None:
    create_collection(oai_wiring.uow(), SYSTEM, "media", "radio", "Radio", "الإذاعة")
    response = ask("ListSets")
    specs = [e.text for e in response.findall(".//oai:setSpec", NS)]
    assert specs[:3] == ["media", "media:journalism", "media:radio"]
    assert {"type", "type:book", "type:course", "oer", "openaccess"} <= set(specs)
    journalism = response.find(".//oai:set[oai:setSpec='media:journalism']", NS)
    assert journalism is not None
    titles = journalism.findall("oai:setDescription/oai_dc:dc/dc:title", NS)
    assert [(t.text, t.get("{http://www.w3.org/XML/1998/namespace}lang")) for t in titles] == [
        ("Journalism", "en"),
        ("الصحافة", "ar"),
    ]
    assert error_code(ask("ListSets", resumptionToken="anything")) == "badResumptionToken"


# --- GetRecord and what is visible ------------------------------------------------------------


def test_get_record_follows_the_item_through_its_life(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    item = make_item(oai_wiring, collection, "مكتبة الجامعة", files={"paper.pdf": PDF})

    def record() -> etree._Element:
        response = ask("GetRecord", identifier=oai_id(item), metadataPrefix="oai_dc")
        found = response.find("oai:GetRecord/oai:record", NS)
        assert found is not None, etree.tostring(response)
        return found

    public = record()
    assert public.find("oai:header", NS).get("status") is None
    assert text(public, ".//dc:title") == "مكتبة الجامعة"
    assert f"{BASE_URL}/items/{item.id}/files/" in etree.tostring(public, encoding="unicode")

    set_embargo(oai_wiring.uow(), LIBRARIAN, item.id, date(2999, 1, 1))
    embargoed = etree.tostring(record(), encoding="unicode")
    assert "مكتبة الجامعة" in embargoed and "/files/" not in embargoed  # metadata yes, files no
    set_embargo(oai_wiring.uow(), LIBRARIAN, item.id, None)
    assert "/files/" in etree.tostring(record(), encoding="unicode")

    for hide, show in (
        (
            lambda: withdraw_item(oai_wiring.uow(), LIBRARIAN, item.id),
            lambda: publish_item(oai_wiring.uow(), LIBRARIAN, item.id),
        ),
        (
            lambda: set_visibility(oai_wiring.uow(), LIBRARIAN, item.id, Visibility.RESTRICTED),
            lambda: set_visibility(oai_wiring.uow(), LIBRARIAN, item.id, Visibility.PUBLIC),
        ),
    ):
        hide()
        hidden = record()
        assert hidden.find("oai:header", NS).get("status") == "deleted"
        assert hidden.find("oai:metadata", NS) is None
        show()
        assert record().find("oai:metadata", NS) is not None

    withdraw_item(oai_wiring.uow(), LIBRARIAN, item.id)
    return_to_draft(oai_wiring.uow(), LIBRARIAN, item.id)  # once public, a reworked draft stays a tombstone
    assert record().find("oai:header", NS).get("status") == "deleted"
    delete_item(oai_wiring.uow(), LIBRARIAN, item.id)
    assert record().find("oai:header", NS).get("status") == "deleted"


def test_drafts_never_appear_and_unknown_formats_are_refused(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    draft = make_item(oai_wiring, collection, "Secret draft", published=False)
    article = make_item(oai_wiring, collection, "Article")
    assert error_code(ask("GetRecord", identifier=oai_id(draft), metadataPrefix="oai_dc")) == "idDoesNotExist"
    refused = ask("GetRecord", identifier=oai_id(article), metadataPrefix="lom")
    assert error_code(refused) == "cannotDisseminateFormat"
    assert refused.find("oai:request", NS).get("metadataPrefix") == "lom"
    assert error_code(ask("GetRecord", identifier=oai_id(article), metadataPrefix="marc21")) == (
        "cannotDisseminateFormat"
    )
    assert error_code(ask("ListRecords", metadataPrefix="marc21")) == "cannotDisseminateFormat"
    assert oai_id(draft) not in identifiers(harvest(ask))


def test_list_records_has_full_records_tombstones_and_no_drafts(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    files = {"paper.pdf": PDF}
    public = make_item(oai_wiring, collection, "Public", files=files)
    embargoed = make_item(oai_wiring, collection, "Embargoed", files=files)
    set_embargo(oai_wiring.uow(), LIBRARIAN, embargoed.id, date(2999, 1, 1))
    restricted = make_item(oai_wiring, collection, "Restricted")
    set_visibility(oai_wiring.uow(), LIBRARIAN, restricted.id, Visibility.RESTRICTED)
    withdrawn = make_item(oai_wiring, collection, "Withdrawn")
    withdraw_item(oai_wiring.uow(), LIBRARIAN, withdrawn.id)
    removed = make_item(oai_wiring, collection, "Deleted")
    delete_item(oai_wiring.uow(), LIBRARIAN, removed.id)
    draft = make_item(oai_wiring, collection, "Draft", published=False)
    never_public = make_item(oai_wiring, collection, "Restricted from the start", visibility=Visibility.RESTRICTED)
    deleted_draft = make_item(oai_wiring, collection, "Deleted draft", published=False)
    delete_item(oai_wiring.uow(), LIBRARIAN, deleted_draft.id)

    headers = harvest(ask, "ListRecords", metadataPrefix="oai_dc")
    assert sorted(identifiers(headers)) == sorted(
        oai_id(i) for i in (public, embargoed, restricted, withdrawn, removed)
    )
    assert deleted(headers) == {oai_id(i) for i in (restricted, withdrawn, removed)}
    for hidden in (draft, never_public, deleted_draft):
        assert oai_id(hidden) not in identifiers(headers)
    records = {text(h, "oai:identifier"): h.getparent() for h in headers}
    for item in (restricted, withdrawn, removed):
        assert records[oai_id(item)].find("oai:metadata", NS) is None
    embargoed_xml = etree.tostring(records[oai_id(embargoed)], encoding="unicode")
    assert "Embargoed" in embargoed_xml and "/files/" not in embargoed_xml
    assert "/files/" in etree.tostring(records[oai_id(public)], encoding="unicode")


# --- selective harvesting -----------------------------------------------------------------------


def test_selective_harvest_by_day_and_by_second(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    times = [
        T0,
        T0 + timedelta(hours=13, minutes=59, seconds=59),
        T0 + timedelta(days=1),
        T0 + timedelta(days=2, seconds=1),
    ]
    items = [publish_at(oai_wiring, collection, at, f"Item {n}") for n, at in enumerate(times)]
    ids = [oai_id(i) for i in items]

    def window(**bounds: str) -> list[str]:
        return identifiers(harvest(ask, metadataPrefix="oai_dc", **bounds))

    assert window(from_="2024-05-01", until="2024-05-01") == ids[:2]  # the whole day, both ends inclusive
    assert window(from_="2024-05-02") == ids[2:]
    assert window(until="2024-05-02") == ids[:3]
    assert window(from_="2024-05-01T23:59:59Z", until="2024-05-02T10:00:00Z") == ids[1:3]
    assert window(from_="2024-05-03T10:00:01Z") == ids[3:]
    assert window(until="2024-04-30") == []
    assert error_code(ask("ListIdentifiers", metadataPrefix="oai_dc", until="2024-04-30")) == "noRecordsMatch"
    mixed = ask("ListIdentifiers", metadataPrefix="oai_dc", from_="2024-05-01", until="2024-05-02T00:00:00Z")
    assert error_code(mixed) == "badArgument"
    assert mixed.find("oai:request", NS).attrib == {}
    backwards = ask("ListRecords", metadataPrefix="oai_dc", from_="2024-05-02", until="2024-05-01")
    assert error_code(backwards) == "badArgument"


def test_selective_harvest_by_set_agrees_with_the_header_set_specs(
    oai_wiring: Wiring, collection: str, ask: Ask
) -> None:
    create_community(oai_wiring.uow(), SYSTEM, "education", "Educational Sciences", "العلوم التربوية")
    create_collection(oai_wiring.uow(), SYSTEM, "education", "courses", "Courses", "المقررات")
    create_collection(oai_wiring.uow(), SYSTEM, "media", "radio", "Radio", "الإذاعة")
    cc_by = {"uri": "https://creativecommons.org/licenses/by/4.0/"}
    made = {
        "article": make_item(oai_wiring, collection, "Article", files={"a.pdf": PDF}),
        "book": make_item(oai_wiring, "radio", "Book", type="book"),
        "oer": make_item(oai_wiring, "courses", "Open course", type="course", license=cc_by, files={"c.pdf": PDF}),
        "closed-course": make_item(oai_wiring, "courses", "Closed course", type="course"),
        "embargoed": make_item(oai_wiring, collection, "Embargoed", files={"e.pdf": PDF}),
        "gone": make_item(oai_wiring, "courses", "Deleted course", type="course", license=cc_by),
    }
    set_embargo(oai_wiring.uow(), LIBRARIAN, made["embargoed"].id, date(2999, 1, 1))
    delete_item(oai_wiring.uow(), LIBRARIAN, made["gone"].id)
    ids = {name: oai_id(item) for name, item in made.items()}

    def members(spec: str) -> set[str]:
        return set(identifiers(harvest(ask, metadataPrefix="oai_dc", set=spec)))

    assert members("media") == {ids["article"], ids["book"], ids["embargoed"]}
    assert members("media:radio") == {ids["book"]}
    assert members("education:courses") == {ids["oer"], ids["closed-course"], ids["gone"]}
    assert members("type:course") == {ids["oer"], ids["closed-course"], ids["gone"]}
    assert members("oer") == {ids["oer"], ids["gone"]}
    assert members("openaccess") == {ids["article"], ids["oer"]}
    assert members("type") == set(ids.values())
    for nothing in ("media:courses", "nosuch", "type:poem", "media:journalism:x"):
        assert members(nothing) == set()

    # Each record's header names exactly the sets whose harvest returns it (the hierarchy aside).
    everything = harvest(ask, metadataPrefix="oai_dc")
    named = {text(h, "oai:identifier"): {s.text for s in h.findall("oai:setSpec", NS)} for h in everything}
    all_specs = [e.text or "" for e in ask("ListSets").findall(".//oai:setSpec", NS)]
    for spec in all_specs:
        if spec == "type":
            continue
        live = {i for i, specs in named.items() if spec in specs and i != ids["gone"]}
        assert members(spec) - {ids["gone"]} == live, spec


# --- lists: paging, tokens, snapshot semantics ------------------------------------------------


def test_pages_carry_cursor_size_and_expiry_and_no_offset_queries(
    oai_wiring: Wiring, collection: str, ask: Ask, clock: Clock
) -> None:
    items = [publish_at(oai_wiring, collection, T0 + timedelta(minutes=n), f"Item {n}") for n in range(10)]
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        statements.append((statement.upper(), parameters))

    event.listen(oai_wiring.engine, "before_cursor_execute", capture)
    try:
        pages = []
        response = ask("ListRecords", metadataPrefix="oai_dc")
        while True:
            pages.append(response)
            token = response.find(".//oai:resumptionToken", NS)
            if token is None or not token.text:
                break
            response = ask("ListRecords", schema="oai_dc", resumptionToken=token.text)
    finally:
        event.remove(oai_wiring.engine, "before_cursor_execute", capture)
    assert [len(p.findall(".//oai:record", NS)) for p in pages] == [4, 4, 2]
    tokens = [p.find(".//oai:resumptionToken", NS) for p in pages]
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == [
        ("0", "10"),
        ("4", "10"),
        ("8", "10"),
    ]
    expiry = tokens[0].get("expirationDate")
    assert expiry == (clock.now + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert tokens[2].text is None and tokens[2].get("expirationDate") is None
    delivered = [text(r, ".//oai:identifier") for p in pages for r in p.findall(".//oai:record", NS)]
    assert delivered == [oai_id(i) for i in items]  # datestamp order
    # SQLAlchemy spells LIMIT as "LIMIT ? OFFSET ?" on SQLite; the offset must always be 0 there.
    offsets = [params[-1] for sql, params in statements if "OFFSET" in sql]
    assert statements and set(offsets) <= {0}


def test_a_complete_list_in_one_page_has_no_token(oai_wiring: Wiring, collection: str, ask: Ask) -> None:
    make_item(oai_wiring, collection, "Only one")
    response = ask("ListIdentifiers", metadataPrefix="oai_dc")
    assert len(response.findall(".//oai:header", NS)) == 1
    assert response.find(".//oai:resumptionToken", NS) is None


def test_tampered_or_expired_tokens_are_bad_resumption_tokens(
    oai_wiring: Wiring, collection: str, ask: Ask, clock: Clock
) -> None:
    for n in range(6):
        publish_at(oai_wiring, collection, T0 + timedelta(minutes=n), f"Item {n}")
    first = ask("ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(".//oai:resumptionToken", NS).text or ""
    payload, mac = token.split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    refused = ask("ListIdentifiers", resumptionToken=tampered)
    assert error_code(refused) == "badResumptionToken"
    assert refused.find("oai:request", NS).get("resumptionToken") == tampered
    assert error_code(ask("ListRecords", resumptionToken=token)) == "badResumptionToken"  # another verb
    assert error_code(ask("ListIdentifiers", resumptionToken=token)) is None
    clock.advance(24 * 3600 + 1)
    assert error_code(ask("ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    mixed = ask("ListIdentifiers", metadataPrefix="oai_dc", resumptionToken=token)
    assert error_code(mixed) == "badArgument"


def test_harvest_during_changes_returns_each_record_exactly_once(
    oai_wiring: Wiring, collection: str, ask: Ask, clock: Clock
) -> None:
    """Records added, updated, withdrawn, restricted and deleted between pages (see harvest/tokens.py)."""
    clock.now = datetime(2025, 1, 1, 12, 0, 0)
    items = [publish_at(oai_wiring, collection, T0 + timedelta(minutes=n), f"Item {n}") for n in range(12)]
    ids = [oai_id(i) for i in items]

    def now() -> datetime:
        return clock.now

    def retitle(n: int, title: str) -> None:
        update_metadata(oai_wiring.uow(), LIBRARIAN, items[n].id, metadata(title), clock=now)

    pages: list[etree._Element] = [ask("ListRecords", metadataPrefix="oai_dc")]
    first_response_date = text(pages[0], "oai:responseDate") or ""

    def next_page() -> etree._Element:
        token = pages[-1].find(".//oai:resumptionToken", NS).text
        assert token
        pages.append(ask("ListRecords", schema="oai_dc", resumptionToken=token))
        return pages[-1]

    clock.advance(10)  # between pages 1 and 2 (page 1 delivered items 0-3)
    retitle(1, "Item 1, changed after delivery")
    retitle(6, "Item 6, changed before delivery")
    delete_item(oai_wiring.uow(), LIBRARIAN, items[7].id, clock=now)
    withdraw_item(oai_wiring.uow(), LIBRARIAN, items[2].id, clock=now)
    newcomer = publish_at(oai_wiring, collection, clock.now, "Added during the harvest")
    next_page()
    clock.advance(10)  # between pages 2 and 3 (page 2 delivered items 4-7)
    retitle(6, "Item 6, changed again after delivery")
    retitle(9, "Item 9, changed before delivery")
    set_visibility(oai_wiring.uow(), LIBRARIAN, items[10].id, Visibility.RESTRICTED, clock=now)
    retitle(5, "Item 5, changed after delivery")
    delete_item(oai_wiring.uow(), LIBRARIAN, items[0].id, clock=now)
    late = publish_at(oai_wiring, collection, clock.now, "Added later")
    next_page()

    records = [r for p in pages for r in p.findall(".//oai:record", NS)]
    delivered = [text(r, "oai:header/oai:identifier") for r in records]
    assert delivered == ids  # each once, in the order the harvest began with; newcomers wait
    by_id = dict(zip(delivered, records, strict=True))
    assert text(by_id[ids[6]], ".//dc:title") == "Item 6, changed before delivery"  # the state when delivered
    assert text(by_id[ids[9]], ".//dc:title") == "Item 9, changed before delivery"
    assert text(by_id[ids[1]], ".//dc:title") == "Item 1"
    assert by_id[ids[7]].find("oai:header", NS).get("status") == "deleted"
    assert by_id[ids[10]].find("oai:header", NS).get("status") == "deleted"
    final = pages[-1].find(".//oai:resumptionToken", NS)
    assert final is not None and not final.text and final.get("completeListSize") == "12"

    # The next incremental harvest, from the first responseDate, brings every change made meanwhile.
    clock.advance(10)
    changed = identifiers(harvest(ask, "ListRecords", metadataPrefix="oai_dc", from_=first_response_date))
    expected = [ids[n] for n in (0, 1, 2, 5, 6, 7, 9, 10)] + [oai_id(newcomer), oai_id(late)]
    assert sorted(changed) == sorted(expected) and len(changed) == len(set(changed))


def test_protocol_errors_come_with_a_bare_request_element_when_the_request_is_bad(ask: Ask) -> None:
    bad_verb = ask("Harvest", metadataPrefix="oai_dc")
    assert error_code(bad_verb) == "badVerb"
    assert bad_verb.find("oai:request", NS).attrib == {}
    assert text(bad_verb, "oai:request") == f"{BASE_URL}/oai"
    no_records = ask("ListRecords", metadataPrefix="oai_dc", set="media")
    assert error_code(no_records) == "noRecordsMatch"
    assert no_records.find("oai:request", NS).attrib == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "set": "media",
    }


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_openaire", "datacite", "mods", "lom"])
def test_list_records_in_every_format_is_schema_valid(
    oai_wiring: Wiring, collection: str, ask: Ask, prefix: str
) -> None:
    extra = {
        "creators": [{"name": "سعاد خليل", "orcid": "0000-0002-1825-0097"}],
        "subjects": [{"value": "الإعلام", "lang": "ar"}],
        "date_issued": "2022",
        "language": "ar",
        "license": {"uri": "https://creativecommons.org/licenses/by/4.0/"},
    }
    make_item(oai_wiring, collection, "مقرر مفتوح", type="course", files={"unit 1.pdf": PDF}, **extra)
    make_item(oai_wiring, collection, "An article", **extra)
    gone = make_item(oai_wiring, collection, "Gone", type="lesson")
    delete_item(oai_wiring.uow(), LIBRARIAN, gone.id)
    headers = harvest(ask, "ListRecords", metadataPrefix=prefix)  # validated page by page
    assert len(headers) == (2 if prefix == "lom" else 3)
    assert deleted(headers) == {oai_id(gone)}


@pytest.mark.skipif("scale" not in BACKENDS, reason="needs PostgreSQL (MAWRID_TEST_BACKENDS excludes scale)")
def test_ids_with_dashes_page_correctly_where_the_collation_ignores_punctuation(tmp_path: Path) -> None:
    """Many locales sort 'ab-d' after 'abc'; the keyset must still follow the order the pages merge in."""
    name = f"mawrid_collation_{secrets.token_hex(4)}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    try:
        admin.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE 'C.UTF-8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US-u-ka-shifted'"
        )
    except psycopg.Error as exc:
        admin.close()
        pytest.skip(f"this PostgreSQL cannot make an ICU database: {exc}")
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 'ab-d' > 'abc'").scalar() is True  # punctuation ignored
        settings = Settings(data_dir=tmp_path, database_url=url, base_url=BASE_URL, oai_page_size=2, _env_file=None)
        wiring = Wiring(settings=settings, engine=engine, store=LocalObjectStore(tmp_path / "objects"))
        create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
        create_collection(wiring.uow(), SYSTEM, "media", "journalism", "Journalism", "الصحافة")
        ids = ["abc", "ab-d", "ab-c", "abe", "ab-a", "abb", "a-bz"]
        for item_id in ids:  # all in one second: only the ids order them
            deposit_item(wiring.uow(), LIBRARIAN, "journalism", metadata(item_id), item_id=item_id, clock=lambda: T0)
            publish_item(wiring.uow(), LIBRARIAN, item_id, clock=lambda: T0)
        provider = OaiProvider(engine, settings)

        def ask(verb: str, schema: str | None = None, **arguments: str) -> etree._Element:
            pairs = [("verb", verb)] + [(k, v) for k, v in arguments.items()]
            return assert_valid(provider.respond(pairs))

        assert identifiers(harvest(ask)) == [oai_id(i) for i in sorted(ids)]
    finally:
        engine.dispose()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
