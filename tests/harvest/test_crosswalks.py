"""Crosswalks are pure: an item in, XML out, valid against the official schema of its format."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from lxml import etree

from harvest import criteria
from harvest.crosswalks.context import Context
from harvest.crosswalks.datacite import to_datacite
from harvest.crosswalks.lom import to_lom
from harvest.crosswalks.mods import to_mods
from harvest.crosswalks.oai_dc import to_oai_dc
from harvest.crosswalks.openaire import to_oai_openaire
from harvest.formats import FORMATS
from repository.domain import FileRef, FileRole, Item, Status, Visibility
from repository.metadata import validate_metadata
from tests.harvest.xsd import payload_schema

TODAY = date(2025, 3, 1)
CTX = Context("https://repository.qou.test", "Mawrid", TODAY)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CROSSWALKS = {
    "oai_dc": to_oai_dc,
    "oai_openaire": to_oai_openaire,
    "datacite": to_datacite,
    "mods": to_mods,
    "lom": to_lom,
}
ARABIC_TITLE = "التعليم المفتوح في فلسطين: دراسة حالة"
ARABIC_NAME = "فاطمة عبد الرحمن"

RICH: dict[str, Any] = {
    "titles": [{"value": ARABIC_TITLE, "lang": "ar"}, {"value": "Open learning in Palestine", "lang": "en"}],
    "creators": [
        {"name": ARABIC_NAME, "orcid": "0000-0002-1825-0097", "affiliation": "جامعة القدس المفتوحة"},
        {"name": "Smith, John"},
    ],
    "contributors": [{"name": "Editor, Ann"}],
    "subjects": [{"value": "التعليم عن بعد", "lang": "ar"}, {"value": "distance education", "lang": "en"}],
    "abstracts": [{"value": "ملخص الدراسة مع حرف تحكم", "lang": "ar"}],
    "language": "ar",
    "date_issued": "2023-09-15",
    "publisher": "جامعة القدس المفتوحة",
    "type": "article",
    "identifiers": [
        {"scheme": "doi", "value": "https://doi.org/10.1234/QOU.2023.7"},
        {"scheme": "issn", "value": "2079-1234"},
        {"scheme": "handle", "value": "20.500.1234/77"},
    ],
    "relations": [{"type": "isPartOf", "target": "https://doi.org/10.1234/qou.vol7"}],
    "rights": "© 2023 the authors",
    "license": {"uri": "https://creativecommons.org/licenses/by/4.0/", "label": "CC BY 4.0"},
    "journal": {"title": "مجلة جامعة القدس المفتوحة", "volume": "7", "issue": "2", "pages": "45-67"},
}
COURSE: dict[str, Any] = {
    "titles": [{"value": "مقرر الإحصاء", "lang": "ar"}],
    "type": "course",
    "creators": [{"name": "Khaled; Omar, PhD"}],
    "language": "ar",
    "license": {"uri": "https://creativecommons.org/licenses/by-sa/4.0/"},
    "oer": {
        "educational_level": "undergraduate",
        "learning_resource_type": "Exercise",
        "intended_audience": "teacher",
        "course_code": "STAT101",
        "time_required": "P2W3DT4H",
        "teaches": ["descriptive statistics"],
        "prerequisites": ["algebra"],
    },
}
MINIMAL: dict[str, Any] = {"titles": [{"value": "Untitled notes"}], "type": "other"}


def make(metadata: dict[str, Any], *, embargo: date | None = None, files: bool = True, valid: bool = True) -> Item:
    if valid:  # records stored before input refused control characters may still hold them
        validate_metadata(metadata)
    item = Item(
        id="k3m9q2x4za",
        collection_id="journalism",
        status=Status.PUBLISHED,
        visibility=Visibility.PUBLIC,
        metadata=metadata,
        datestamp=datetime(2025, 2, 1, 10, 0, 0),
        created=datetime(2024, 12, 24, 9, 0, 0),
        embargo_until=embargo,
    )
    if files:
        item.files = [
            FileRef(
                11,
                item.id,
                "البحث الكامل.pdf",
                1000,
                "a" * 64,
                "b" * 32,
                "application/pdf",
                FileRole.ORIGINAL,
                "k1",
                item.created,
            ),
            FileRef(
                12, item.id, "data set.csv", 200, "c" * 64, "d" * 32, "text/csv", FileRole.ORIGINAL, "k2", item.created
            ),
            FileRef(
                13,
                item.id,
                "full.txt",
                900,
                "e" * 64,
                "f" * 32,
                "text/plain",
                FileRole.TEXT,
                "k3",
                item.created,
                source_file_id=11,
            ),
        ]
    return item


def text_of(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


CASES = [
    (prefix, name, metadata)
    for name, metadata in (("rich-arabic", RICH), ("course", COURSE), ("minimal", MINIMAL))
    for prefix in sorted(CROSSWALKS)
    if FORMATS[prefix].can_disseminate(make(metadata))
]


@pytest.mark.parametrize(("prefix", "name", "metadata"), CASES, ids=[f"{p}-{n}" for p, n, _ in CASES])
@pytest.mark.parametrize("embargo", [None, date(2030, 1, 1)], ids=["open", "embargoed"])
def test_every_crosswalk_output_is_schema_valid(
    prefix: str, name: str, metadata: dict[str, Any], embargo: date | None
) -> None:
    element = CROSSWALKS[prefix](make(metadata, embargo=embargo), CTX)
    schema = payload_schema(prefix)
    assert schema.validate(element), schema.error_log


def test_formats_cover_learning_resources_only_for_lom() -> None:
    assert FORMATS["lom"].can_disseminate(make(COURSE))
    assert not FORMATS["lom"].can_disseminate(make(RICH))
    assert FORMATS["lom"].can_disseminate(make({**RICH, "oer": {"course_code": "EDU1"}}))
    assert all(FORMATS[p].can_disseminate(make(MINIMAL)) for p in ("oai_dc", "oai_openaire", "datacite", "mods"))


def test_oai_dc_links_the_landing_page_and_each_public_full_text_file() -> None:
    dc = to_oai_dc(make(RICH), CTX)
    identifiers = dc.findall("{http://purl.org/dc/elements/1.1/}identifier")
    assert [i.text for i in identifiers][:3] == [
        "https://repository.qou.test/items/k3m9q2x4za",
        "https://repository.qou.test/items/k3m9q2x4za/files/11/%D8%A7%D9%84%D8%A8%D8%AD%D8%AB%20%D8%A7%D9%84%D9%83"
        "%D8%A7%D9%85%D9%84.pdf",
        "https://repository.qou.test/items/k3m9q2x4za/files/12/data%20set.csv",
    ]
    assert "https://doi.org/10.1234/QOU.2023.7" in [i.text for i in identifiers]
    assert "files/13" not in text_of(dc)  # derivatives are not the full text


def test_embargoed_item_keeps_its_metadata_but_hides_its_files_everywhere() -> None:
    item = make(RICH, embargo=date(2030, 1, 1))
    for prefix, crosswalk in CROSSWALKS.items():
        if FORMATS[prefix].can_disseminate(item):
            assert "/files/" not in text_of(crosswalk(item, CTX)), prefix
    openaire = text_of(to_oai_openaire(item, CTX))
    assert 'rightsURI="http://purl.org/coar/access_right/c_f1cf"' in openaire
    assert '<datacite:date dateType="Available">2030-01-01</datacite:date>' in openaire
    assert "info:eu-repo/semantics/embargoedAccess" in text_of(to_oai_dc(item, CTX))
    lifted = Context(CTX.base_url, CTX.repository_name, date(2030, 1, 1))
    assert "/files/11/" in text_of(to_oai_dc(item, lifted))


def test_openaire_carries_coar_type_access_right_files_and_licence() -> None:
    resource = to_oai_openaire(make(RICH), CTX)
    ns = {"oaire": "http://namespace.openaire.eu/schema/oaire/", "datacite": "http://datacite.org/schema/kernel-4"}
    kind = resource.find("oaire:resourceType", ns)
    assert kind is not None and kind.get("uri") == "http://purl.org/coar/resource_type/c_6501"
    assert kind.get("resourceTypeGeneral") == "literature"
    rights = resource.find("datacite:rights", ns)
    assert rights is not None and rights.get("rightsURI") == "http://purl.org/coar/access_right/c_abf2"
    files = resource.findall("oaire:file", ns)
    assert [(f.get("mimeType"), f.get("objectType")) for f in files] == [
        ("application/pdf", "fulltext"),
        ("text/csv", "fulltext"),
    ]
    licence = resource.find("oaire:licenseCondition", ns)
    assert licence is not None and licence.get("uri") == "https://creativecommons.org/licenses/by/4.0/"
    identifier = resource.find("datacite:identifier", ns)
    assert identifier is not None and (identifier.text, identifier.get("identifierType")) == (
        "10.1234/QOU.2023.7",
        "DOI",
    )
    assert resource.findtext("oaire:citationStartPage", namespaces=ns) == "45"
    no_files = to_oai_openaire(make(MINIMAL, files=False), CTX)
    assert 'rightsURI="http://purl.org/coar/access_right/c_14cb"' in text_of(no_files)  # metadata only
    assert '<datacite:date dateType="Issued">2024-12-24</datacite:date>' in text_of(no_files)  # deposit day


def language_of(element: etree._Element) -> str | None:
    """The xml:lang (or LOM language) in force on an element."""
    for node in (element, *element.iterancestors()):
        lang = node.get(XML_LANG) or node.get("language")
        if lang:
            return lang
    return None


@pytest.mark.parametrize("prefix", sorted(CROSSWALKS))
def test_arabic_keeps_its_script_and_language_tag(prefix: str) -> None:
    root = CROSSWALKS[prefix](make({**RICH, "oer": {"course_code": "EDU1"}}), CTX)
    xml = text_of(root)
    assert ARABIC_TITLE in xml and "&#" not in xml
    languages = {(e.text or "").strip(): language_of(e) for e in root.iter() if isinstance(e.tag, str)}
    assert languages[ARABIC_TITLE] == "ar"
    assert languages["Open learning in Palestine"] == "en"
    if prefix in ("oai_dc", "datacite", "mods"):  # OpenAIRE and LOM give names no language
        assert languages[ARABIC_NAME] == "ar"


def test_control_characters_are_dropped_not_fatal() -> None:
    legacy = {**RICH, "abstracts": [{"value": "ملخص الدراسة\x0b مع حرف تحكم", "lang": "ar"}]}
    dc = to_oai_dc(make(legacy, valid=False), CTX)
    descriptions = dc.findall("{http://purl.org/dc/elements/1.1/}description")
    assert [d.text for d in descriptions] == ["ملخص الدراسة مع حرف تحكم"]
    odd = make({**MINIMAL, "titles": [{"value": "bell\x07 and escape\x1b"}]}, valid=False)
    odd.files = make(RICH).files[:1]
    odd.files[0] = FileRef(
        11, odd.id, "bad\x01name.pdf", 1, "a" * 64, "b" * 32, "application/pdf", FileRole.ORIGINAL, "k", odd.created
    )
    for prefix, crosswalk in CROSSWALKS.items():
        if FORMATS[prefix].can_disseminate(odd):
            element = crosswalk(odd, CTX)
            assert payload_schema(prefix).validate(element), prefix
            assert "bell and escape" in text_of(element)


def test_datacite_fills_required_fields_in_datacite_terms() -> None:
    resource = text_of(to_datacite(make(MINIMAL, files=False), CTX))
    assert "<creatorName>(:unav)</creatorName>" in resource
    assert "<publisher>Mawrid</publisher>" in resource and "<publicationYear>2024</publicationYear>" in resource
    assert '<identifier identifierType="URL">https://repository.qou.test/items/k3m9q2x4za</identifier>' in resource


def test_lom_describes_the_course_for_oer_portals() -> None:
    lom = text_of(to_lom(make(COURSE), CTX))
    assert "<value>exercise</value>" in lom and "<value>teacher</value>" in lom
    assert "<duration>P17DT4H</duration>" in lom  # two weeks and three days, as LOM cannot say weeks
    assert "FN:Khaled\\; Omar\\, PhD" in lom  # vCard escaping
    assert "<aggregationLevel><source>LOMv1.0</source><value>3</value></aggregationLevel>" in lom


def test_oer_and_open_access_rules() -> None:
    assert criteria.is_oer(make(COURSE))
    assert not criteria.is_oer(make({**COURSE, "license": {"uri": "https://example.org/all-rights-reserved"}}))
    assert not criteria.is_oer(make(RICH))
    assert criteria.is_open_access(make(RICH), TODAY)
    assert not criteria.is_open_access(make(RICH, files=False), TODAY)
    assert not criteria.is_open_access(make(RICH, embargo=date(2030, 1, 1)), TODAY)
