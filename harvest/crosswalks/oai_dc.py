"""Item → unqualified Dublin Core (`oai_dc`), the format every OAI-PMH repository must offer.

Aggregators such as CORE and BASE look for the full text in dc:identifier,
so besides the landing page each public file gets its own dc:identifier
pointing straight at the bytes. The access right is given both as the COAR
label and as the info:eu-repo term older aggregators read.
"""

from __future__ import annotations

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import root, sub
from harvest.crosswalks.vocab import access_right, identifier_uri, script_language, type_terms
from repository.domain import Item

NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
_NSMAP: dict[str | None, str] = {"oai_dc": NS, "dc": DC}


def dc_root() -> etree._Element:
    return root(f"{{{NS}}}dc", _NSMAP, f"{NS} {SCHEMA}")


def to_oai_dc(item: Item, ctx: Context) -> etree._Element:
    md = item.metadata
    dc = dc_root()

    def add(name: str, text: str, lang: str | None = None) -> None:
        sub(dc, f"{{{DC}}}{name}", text, xml_lang=lang)

    for title in md["titles"]:
        add("title", title["value"], title.get("lang"))
    for person in md.get("creators", []):
        add("creator", person["name"], script_language(person["name"]))
    for person in md.get("contributors", []):
        add("contributor", person["name"], script_language(person["name"]))
    for subject in md.get("subjects", []):
        add("subject", subject["value"], subject.get("lang"))
    for abstract in md.get("abstracts", []):
        add("description", abstract["value"], abstract.get("lang"))
    if "publisher" in md:
        add("publisher", md["publisher"], script_language(md["publisher"]))
    if "date_issued" in md:
        add("date", md["date_issued"])
    terms = type_terms(item)
    add("type", terms.dcmi)
    add("type", terms.coar_label)
    files = ctx.public_files(item)
    for mime in dict.fromkeys(f.mime for f in files):
        add("format", mime)
    add("identifier", ctx.landing_page(item))
    for file in files:
        add("identifier", ctx.file_url(item, file))
    for ident in md.get("identifiers", []):
        uri = identifier_uri(ident["scheme"], ident["value"])
        if uri is not None:
            add("identifier", uri)
    journal = md.get("journal")
    if journal and journal.get("title"):
        add("source", _citation(journal))
    if "language" in md:
        add("language", md["language"])
    for relation in md.get("relations", []):
        add("relation", relation["target"])
    right = access_right(item, ctx.today)
    add("rights", right.eu_repo)
    if "license" in md:
        add("rights", md["license"]["uri"])
    if "rights" in md:
        add("rights", md["rights"])
    return dc


def _citation(journal: dict[str, str]) -> str:
    parts = [journal["title"]]
    if journal.get("volume"):
        parts.append(f"vol. {journal['volume']}")
    if journal.get("issue"):
        parts.append(f"no. {journal['issue']}")
    if journal.get("pages"):
        parts.append(f"pp. {journal['pages']}")
    return ", ".join(parts)
