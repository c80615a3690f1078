"""Item → MODS 3.8 (`mods`), the Library of Congress format library catalogues import."""

from __future__ import annotations

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import root, sub
from harvest.crosswalks.vocab import access_right, bare_doi, script_language, type_terms
from repository.domain import Item

NS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA = "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
_IDENTIFIER_TYPES = {"doi": "doi", "handle": "hdl", "isbn": "isbn", "issn": "issn", "uri": "uri", "local": "local"}


def to_mods(item: Item, ctx: Context) -> etree._Element:
    md = item.metadata
    mods = root(f"{{{NS}}}mods", {None: NS, "xlink": XLINK}, f"{NS} {SCHEMA}")
    mods.set("version", "3.8")

    def add(parent: etree._Element, name: str, text: str | None = None, **attributes: str | None) -> etree._Element:
        return sub(parent, f"{{{NS}}}{name}", text, **attributes)

    for index, title in enumerate(md["titles"]):
        info = add(mods, "titleInfo", type=None if index == 0 else "alternative", xml_lang=title.get("lang"))
        add(info, "title", title["value"])
    for role, people in (("aut", md.get("creators", [])), ("ctb", md.get("contributors", []))):
        for person in people:
            name = add(mods, "name", type="personal", xml_lang=script_language(person["name"]))
            add(name, "namePart", person["name"])
            if person.get("affiliation"):
                add(name, "affiliation", person["affiliation"])
            term = add(name, "role")
            add(term, "roleTerm", role, type="code", authority="marcrelator")
            if person.get("orcid"):
                add(name, "nameIdentifier", f"https://orcid.org/{person['orcid']}", type="orcid")
    terms = type_terms(item)
    add(mods, "typeOfResource", terms.mods)
    add(mods, "genre", terms.coar_label, authority="coar-resource-types", valueURI=terms.coar_uri)
    origin = add(mods, "originInfo", eventType="publication")
    if "publisher" in md:
        add(origin, "publisher", md["publisher"], xml_lang=script_language(md["publisher"]))
    if "date_issued" in md:
        add(origin, "dateIssued", md["date_issued"], encoding="w3cdtf", keyDate="yes")
    if item.embargo_until and item.is_embargoed(ctx.today):
        add(origin, "dateValid", item.embargo_until.isoformat(), encoding="w3cdtf", point="start")
    if len(origin) == 0:
        mods.remove(origin)
    if "language" in md:
        language = add(mods, "language")
        add(language, "languageTerm", md["language"], type="code", authority="rfc5646")
    files = ctx.public_files(item)
    if files:
        physical = add(mods, "physicalDescription")
        for mime in dict.fromkeys(f.mime for f in files):
            add(physical, "internetMediaType", mime)
    for abstract in md.get("abstracts", []):
        add(mods, "abstract", abstract["value"], xml_lang=abstract.get("lang"))
    for subject in md.get("subjects", []):
        add(add(mods, "subject", xml_lang=subject.get("lang")), "topic", subject["value"])
    serial = item.type in ("journal", "journal_issue")
    issns = [i["value"] for i in md.get("identifiers", []) if i["scheme"] == "issn" and not serial]
    journal = md.get("journal") or {}
    if journal.get("title") or issns:
        host = add(mods, "relatedItem", type="host")  # the journal an article appeared in
        if journal.get("title"):
            add(add(host, "titleInfo"), "title", journal["title"])
        for issn in issns:
            add(host, "identifier", issn, type="issn")
        part = add(host, "part")
        for field in ("volume", "issue"):
            if journal.get(field):
                add(add(part, "detail", type=field), "number", journal[field])
        if journal.get("pages"):
            add(add(part, "extent", unit="pages"), "list", journal["pages"])
        if len(part) == 0:
            host.remove(part)
    for relation in md.get("relations", []):
        related = add(mods, "relatedItem", otherType=relation["type"])
        add(related, "identifier", relation["target"], type="uri" if "://" in relation["target"] else None)
    for ident in md.get("identifiers", []):
        if ident["scheme"] == "issn" and not serial:
            continue
        value = bare_doi(ident["value"]) if ident["scheme"] == "doi" else ident["value"]
        add(mods, "identifier", value, type=_IDENTIFIER_TYPES[ident["scheme"]])
    add(mods, "identifier", ctx.landing_page(item), type="uri")
    location = add(mods, "location")
    add(location, "url", ctx.landing_page(item), usage="primary", access="object in context")
    for file in files:
        add(location, "url", ctx.file_url(item, file), access="raw object", note=file.name)
    right = access_right(item, ctx.today)
    add(mods, "accessCondition", right.label, type="restriction on access", **{f"{{{XLINK}}}href": right.coar_uri})
    if "license" in md:
        licence = md["license"]
        add(
            mods,
            "accessCondition",
            licence.get("label") or licence["uri"],
            type="use and reproduction",
            **{f"{{{XLINK}}}href": licence["uri"]},
        )
    if "rights" in md:
        add(mods, "accessCondition", md["rights"], type="use and reproduction")
    record = add(mods, "recordInfo")
    add(record, "recordContentSource", ctx.repository_name)
    add(record, "recordIdentifier", item.id)
    return mods
