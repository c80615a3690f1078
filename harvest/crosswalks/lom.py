"""Item → IEEE Learning Object Metadata (`lom`, IEEE 1484.12.3 XML binding) for courses and OER.

Only learning resources are disseminated in LOM (see `harvest.criteria`):
it is the format OER portals harvest. Vocabulary values come from LOMv1.0
where one fits.
"""

from __future__ import annotations

import re

from lxml import etree

from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import root, sub
from harvest.crosswalks.vocab import identifier_uri
from repository.domain import Item

NS = "http://ltsc.ieee.org/xsd/LOM"
SCHEMA = "http://ltsc.ieee.org/xsd/lomv1.0/lomLoose.xsd"
LOM_VOCAB = "LOMv1.0"
RESOURCE_TYPES = (
    "exercise",
    "simulation",
    "questionnaire",
    "diagram",
    "figure",
    "graph",
    "index",
    "slide",
    "table",
    "narrative text",
    "exam",
    "experiment",
    "problem statement",
    "self assessment",
    "lecture",
)
END_USER_ROLES = ("teacher", "author", "learner", "manager")
_DEFAULT_RESOURCE_TYPE = {"lecture_slides": "slide", "video": "lecture", "audio": "lecture"}
_AGGREGATION = {"course": "3", "lesson": "2"}


def to_lom(item: Item, ctx: Context) -> etree._Element:
    md = item.metadata
    oer = md.get("oer", {})
    lom = root(f"{{{NS}}}lom", {None: NS}, f"{NS} {SCHEMA}")

    def add(parent: etree._Element, name: str, text: str | None = None, **attributes: str | None) -> etree._Element:
        return sub(parent, f"{{{NS}}}{name}", text, **attributes)

    def langstring(parent: etree._Element, name: str, text: str, lang: str | None) -> None:
        add(add(parent, name), "string", text, language=lang)

    def vocabulary(parent: etree._Element, name: str, value: str, source: str = LOM_VOCAB) -> None:
        element = add(parent, name)
        add(element, "source", source)
        add(element, "value", value)

    general = add(lom, "general")
    _identifier(add(general, "identifier"), "URI", ctx.landing_page(item))
    for ident in md.get("identifiers", []):
        uri = identifier_uri(ident["scheme"], ident["value"])
        _identifier(add(general, "identifier"), ident["scheme"].upper(), uri or ident["value"])
    title = add(general, "title")
    for value in md["titles"]:
        add(title, "string", value["value"], language=value.get("lang"))
    if "language" in md:
        add(general, "language", md["language"])
    for abstract in md.get("abstracts", []):
        langstring(general, "description", abstract["value"], abstract.get("lang"))
    for subject in md.get("subjects", []):
        langstring(general, "keyword", subject["value"], subject.get("lang"))
    if item.type in _AGGREGATION:
        vocabulary(general, "aggregationLevel", _AGGREGATION[item.type])

    people = [("author", p) for p in md.get("creators", [])] + [("unknown", p) for p in md.get("contributors", [])]
    if people or "publisher" in md:
        life = add(lom, "lifeCycle")
        for role, person in people:
            contribute = add(life, "contribute")
            vocabulary(contribute, "role", role)
            add(contribute, "entity", _vcard(person["name"], person.get("affiliation")))
        if "publisher" in md:
            contribute = add(life, "contribute")
            vocabulary(contribute, "role", "publisher")
            add(contribute, "entity", _vcard(md["publisher"], None))
            if "date_issued" in md:
                add(add(contribute, "date"), "dateTime", md["date_issued"])

    meta = add(lom, "metaMetadata")
    add(meta, "metadataSchema", "LOMv1.0")

    technical = add(lom, "technical")
    files = ctx.public_files(item)
    for mime in dict.fromkeys(f.mime for f in files):
        add(technical, "format", mime)
    if files:
        add(technical, "size", str(sum(f.size for f in files)))
    add(technical, "location", ctx.landing_page(item))
    for file in files:
        add(technical, "location", ctx.file_url(item, file))

    educational = add(lom, "educational")
    resource_type = oer.get("learning_resource_type", "").strip().lower()
    if resource_type not in RESOURCE_TYPES:
        resource_type = _DEFAULT_RESOURCE_TYPE.get(item.type, "narrative text")
    vocabulary(educational, "learningResourceType", resource_type)
    audience = oer.get("intended_audience", "").strip().lower()
    vocabulary(educational, "intendedEndUserRole", audience if audience in END_USER_ROLES else "learner")
    vocabulary(educational, "context", "higher education")
    if "time_required" in oer:
        add(add(educational, "typicalLearningTime"), "duration", _without_weeks(oer["time_required"]))
    for label, values in (("Teaches", oer.get("teaches", [])), ("Assesses", oer.get("assesses", []))):
        for value in values:
            langstring(educational, "description", f"{label}: {value}", None)
    for value in oer.get("prerequisites", []):
        langstring(educational, "description", f"Prerequisite: {value}", None)
    if oer.get("educational_level"):
        langstring(educational, "description", f"Level: {oer['educational_level']}", None)
    if "language" in md:
        add(educational, "language", md["language"])

    rights = add(lom, "rights")
    vocabulary(rights, "cost", "no")
    licence = md.get("license")
    vocabulary(rights, "copyrightAndOtherRestrictions", "yes" if licence or "rights" in md else "no")
    statement = " — ".join(
        part for part in ((licence or {}).get("label"), (licence or {}).get("uri"), md.get("rights")) if part
    )
    if statement:
        langstring(rights, "description", statement, None)
    return lom


def _identifier(element: etree._Element, catalog: str, entry: str) -> None:
    sub(element, f"{{{NS}}}catalog", catalog)
    sub(element, f"{{{NS}}}entry", entry)


def _vcard(name: str, organisation: str | None) -> str:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", " ")

    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}", f"N:{escape(name)};;;;"]
    if organisation:
        lines.append(f"ORG:{escape(organisation)}")
    return "\n".join([*lines, "END:VCARD"])


_WEEKS = re.compile(r"(\d+)W")
_DAYS = re.compile(r"(\d+)D")


def _without_weeks(duration: str) -> str:
    """ISO 8601 durations may count weeks; LOM's DurationString may not, so weeks become days."""
    weeks = _WEEKS.search(duration)
    if weeks is None:
        return duration
    days = int(weeks.group(1)) * 7
    duration = _WEEKS.sub("", duration)
    existing = _DAYS.search(duration.split("T")[0])
    if existing:
        return duration.replace(existing.group(0), f"{int(existing.group(1)) + days}D", 1)
    date_part, _, time_part = duration.partition("T")
    return f"{date_part}{days}D" + (f"T{time_part}" if time_part else "")
