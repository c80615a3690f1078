"""Item → DataCite Metadata Schema kernel-4 (`datacite`), the `resource` element itself.

DataCite requires an identifier, creators, titles, a publisher, a
publication year and a resource type. Where an item lacks one, the crosswalk
says so in DataCite's own terms rather than leaving the record out: the
creator "(:unav)" (DataCite's standard value for unavailable information),
the repository as publisher (DataCite counts "making available" as
publishing), and the deposit year. The identifier is the DOI when there is
one, else the landing page URL.
"""

from __future__ import annotations

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import root, sub
from harvest.crosswalks.vocab import access_right, bare_doi, script_language, type_terms
from repository.domain import Item

NS = "http://datacite.org/schema/kernel-4"
SCHEMA = "http://schema.datacite.org/meta/kernel-4/metadata.xsd"
UNAVAILABLE = "(:unav)"
_ALTERNATE = {"handle": "Handle", "isbn": "ISBN", "uri": "URL", "local": "Local"}
_RELATION = {
    "isPartOf": "IsPartOf",
    "hasPart": "HasPart",
    "isVersionOf": "IsVersionOf",
    "hasVersion": "HasVersion",
    "references": "References",
    "isReferencedBy": "IsReferencedBy",
    "isFormatOf": "IsVariantFormOf",
    "hasFormat": "IsOriginalFormOf",
    "requires": "Requires",
    "isRequiredBy": "IsRequiredBy",
    "isBasedOn": "IsDerivedFrom",
}


def to_datacite(item: Item, ctx: Context) -> etree._Element:
    md = item.metadata
    resource = root(f"{{{NS}}}resource", {None: NS}, f"{NS} {SCHEMA}")

    def add(parent: etree._Element, name: str, text: str | None = None, **attributes: str | None) -> etree._Element:
        return sub(parent, f"{{{NS}}}{name}", text, **attributes)

    idents = [(i["scheme"], i["value"].strip()) for i in md.get("identifiers", [])]
    doi = next((bare_doi(v) for s, v in idents if s == "doi"), None)
    if doi:
        add(resource, "identifier", doi, identifierType="DOI")
    else:
        add(resource, "identifier", ctx.landing_page(item), identifierType="URL")

    add_people(resource, "creator", md.get("creators") or [{"name": UNAVAILABLE}])
    titles = add(resource, "titles")
    for title in md["titles"]:
        add(titles, "title", title["value"], xml_lang=title.get("lang"))
    publisher = md.get("publisher") or ctx.repository_name
    add(resource, "publisher", publisher, xml_lang=script_language(publisher))
    issued = md.get("date_issued") or item.created.date().isoformat()
    add(resource, "publicationYear", issued[:4])
    terms = type_terms(item)
    add(resource, "resourceType", terms.coar_label, resourceTypeGeneral=terms.datacite)

    if md.get("subjects"):
        subjects = add(resource, "subjects")
        for subject in md["subjects"]:
            add(subjects, "subject", subject["value"], xml_lang=subject.get("lang"))
    if md.get("contributors"):
        add_people(resource, "contributor", md["contributors"])
    dates = add(resource, "dates")
    add(dates, "date", issued, dateType="Issued")
    if item.embargo_until and item.is_embargoed(ctx.today):
        add(dates, "date", item.embargo_until.isoformat(), dateType="Available")
    if "language" in md:
        add(resource, "language", md["language"])
    alternates = [("URL", ctx.landing_page(item))] if doi else []
    alternates += [(_ALTERNATE[s], v) for s, v in idents if s in _ALTERNATE]
    if alternates:
        box = add(resource, "alternateIdentifiers")
        for kind, value in alternates:
            add(box, "alternateIdentifier", value, alternateIdentifierType=kind)
    related = [(v, "ISSN", "IsPublishedIn") for s, v in idents if s == "issn"]
    for relation in md.get("relations", []):
        target_type = _related_identifier_type(relation["target"])
        if target_type:
            target = bare_doi(relation["target"]) if target_type == "DOI" else relation["target"].strip()
            related.append((target, target_type, _RELATION[relation["type"]]))
    if related:
        box = add(resource, "relatedIdentifiers")
        for value, kind, relation_type in related:
            add(box, "relatedIdentifier", value, relatedIdentifierType=kind, relationType=relation_type)
    files = ctx.public_files(item)
    if files:
        formats = add(resource, "formats")
        for mime in dict.fromkeys(f.mime for f in files):
            add(formats, "format", mime)
    rights = add(resource, "rightsList")
    right = access_right(item, ctx.today)
    add(rights, "rights", right.label, rightsURI=right.coar_uri)
    if "license" in md:
        licence = md["license"]
        add(rights, "rights", licence.get("label") or licence["uri"], rightsURI=licence["uri"])
    if "rights" in md:
        add(rights, "rights", md["rights"])
    if md.get("abstracts"):
        descriptions = add(resource, "descriptions")
        for abstract in md["abstracts"]:
            add(
                descriptions,
                "description",
                abstract["value"],
                descriptionType="Abstract",
                xml_lang=abstract.get("lang"),
            )
    return resource


def add_people(parent: etree._Element, role: str, people: list[dict[str, str]], *, name_lang: bool = True) -> None:
    """`<creators>` or `<contributors>` in the kernel-4 namespace; OpenAIRE's copy of it gives names no
    xml:lang, hence `name_lang`."""
    box = sub(parent, f"{{{NS}}}{role}s")
    for person in people:
        entry = sub(box, f"{{{NS}}}{role}", contributorType="Other" if role == "contributor" else None)
        name = person["name"]
        sub(entry, f"{{{NS}}}{role}Name", name, xml_lang=script_language(name) if name_lang else None)
        if person.get("orcid"):
            sub(
                entry,
                f"{{{NS}}}nameIdentifier",
                f"https://orcid.org/{person['orcid']}",
                nameIdentifierScheme="ORCID",
                schemeURI="https://orcid.org",
            )
        if person.get("affiliation"):
            sub(entry, f"{{{NS}}}affiliation", person["affiliation"])


def _related_identifier_type(target: str) -> str | None:
    lowered = target.strip().lower()
    if lowered.startswith(("10.", "doi:", "https://doi.org/")):
        return "DOI"
    if lowered.startswith(("http://", "https://")):
        return "URL"
    return None
