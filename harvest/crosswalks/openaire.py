"""Item → OpenAIRE Guidelines for Literature Repositories v4 (`oai_openaire`).

Mandatory fields of the guidelines: title, creator, resource type (COAR),
resource identifier, access rights (COAR), publication date; when they
apply: language, the full-text file (`oaire:file` with MIME type and
objectType) and the licence condition. A record without a date of issue
uses the day it was deposited, as DSpace does for dc.date.issued.
"""

from __future__ import annotations

import re

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.datacite import add_people
from harvest.crosswalks.elements import root, sub
from harvest.crosswalks.vocab import access_right, bare_doi, iso_639_3, script_language, type_terms
from repository.domain import Item

OAIRE = "http://namespace.openaire.eu/schema/oaire/"
DATACITE = "http://datacite.org/schema/kernel-4"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA = "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd"
_NSMAP: dict[str | None, str] = {"oaire": OAIRE, "datacite": DATACITE, "dc": DC}
_PAGES = re.compile(r"^\s*(\w+)\s*[-–]\s*(\w+)\s*$")


def to_oai_openaire(item: Item, ctx: Context) -> etree._Element:
    md = item.metadata
    resource = root(f"{{{OAIRE}}}resource", _NSMAP, f"{OAIRE} {SCHEMA}")

    def dc(name: str, text: str, lang: str | None = None) -> None:
        sub(resource, f"{{{DC}}}{name}", text, xml_lang=lang)

    def oaire(name: str, text: str | None = None, **attributes: str | None) -> etree._Element:
        return sub(resource, f"{{{OAIRE}}}{name}", text, **attributes)

    def datacite(
        parent: etree._Element, name: str, text: str | None = None, **attributes: str | None
    ) -> etree._Element:
        return sub(parent, f"{{{DATACITE}}}{name}", text, **attributes)

    titles = datacite(resource, "titles")
    for title in md["titles"]:
        datacite(titles, "title", title["value"], xml_lang=title.get("lang"))
    for role in ("creator", "contributor"):
        if md.get(f"{role}s"):
            add_people(resource, role, md[f"{role}s"], name_lang=False)

    primary, alternates, issns = _identifiers(item, ctx)
    datacite(resource, "identifier", primary[1], identifierType=primary[0])
    if alternates:
        box = datacite(resource, "alternateIdentifiers")
        for kind, value in alternates:
            datacite(box, "alternateIdentifier", value, alternateIdentifierType=kind)
    if issns:
        related = datacite(resource, "relatedIdentifiers")
        for issn in issns:
            datacite(related, "relatedIdentifier", issn, relatedIdentifierType="ISSN", relationType="IsPartOf")

    dates = datacite(resource, "dates")
    datacite(dates, "date", md.get("date_issued") or item.created.date().isoformat(), dateType="Issued")
    if item.embargo_until and item.is_embargoed(ctx.today):
        datacite(dates, "date", item.embargo_until.isoformat(), dateType="Available")

    if "language" in md:
        dc("language", iso_639_3(md["language"]))
    if "publisher" in md:
        dc("publisher", md["publisher"], script_language(md["publisher"]))
    terms = type_terms(item)
    oaire("resourceType", terms.coar_label, resourceTypeGeneral=terms.openaire_general, uri=terms.coar_uri)
    for abstract in md.get("abstracts", []):
        dc("description", abstract["value"], abstract.get("lang"))
    files = ctx.public_files(item)
    for mime in dict.fromkeys(f.mime for f in files):
        dc("format", mime)
    right = access_right(item, ctx.today)
    datacite(resource, "rights", right.label, rightsURI=right.coar_uri)
    journal = md.get("journal") or {}
    if md.get("subjects"):
        subjects = datacite(resource, "subjects")
        for subject in md["subjects"]:
            datacite(subjects, "subject", subject["value"], xml_lang=subject.get("lang"))
    for field, name in (("title", "citationTitle"), ("volume", "citationVolume"), ("issue", "citationIssue")):
        if journal.get(field):
            oaire(name, journal[field])
    pages = _PAGES.match(journal.get("pages", ""))
    if pages:
        oaire("citationStartPage", pages.group(1))
        oaire("citationEndPage", pages.group(2))
    if "license" in md:
        licence = md["license"]
        oaire("licenseCondition", licence.get("label") or licence["uri"], uri=licence["uri"])
    for file in files:
        oaire(
            "file",
            ctx.file_url(item, file),
            mimeType=file.mime,
            objectType="fulltext" if item.type != "dataset" else "dataset",
            accessRightsURI=right.coar_uri,
        )
    return resource


_KINDS = {"doi": "DOI", "handle": "Handle", "isbn": "ISBN", "issn": "ISSN", "uri": "URL", "local": "Local"}


def _identifiers(item: Item, ctx: Context) -> tuple[tuple[str, str], list[tuple[str, str]], list[str]]:
    """The resource identifier (a DOI, else a handle, else the landing page), the alternates, and the
    ISSNs of the journal an article is part of."""
    idents = [(i["scheme"], i["value"].strip()) for i in item.metadata.get("identifiers", [])]
    pid = next((x for x in idents if x[0] == "doi"), None) or next((x for x in idents if x[0] == "handle"), None)
    landing = ("URL", ctx.landing_page(item))
    serial = item.type in ("journal", "journal_issue")
    alternates = [landing] if pid else []
    alternates += [(_KINDS[s], v) for s, v in idents if (s, v) != pid and (s != "issn" or serial)]
    issns = [v for s, v in idents if s == "issn" and not serial]
    if pid is None:
        return landing, alternates, issns
    return ("DOI", bare_doi(pid[1])) if pid[0] == "doi" else ("HANDLE", pid[1]), alternates, issns
