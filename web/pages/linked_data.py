"""Machine-readable descriptions of an item page: schema.org JSON-LD and FAIR Signposting.

JSON-LD follows schema.org with the LRMI properties for learning resources;
a course's own page adds its lessons (`course_jsonld`).
Signposting (signposting.org/FAIR, level 1) puts typed links in the landing
page's `Link` header; past `MAX_LINKED_FILES` files the header points to a
linkset document (RFC 9264) instead, so headers stay small.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from repository.domain import FileRef, Item
from repository.services.courses import Course
from web.downloads import content_type, file_path
from web.pages.citations import doi

MAX_LINKED_FILES = 5
# RFC 3986 reserved characters and "%": left as they are, so a URI that is already valid stays unchanged.
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$", re.ASCII)
SCHEMA_TYPES = {
    "article": "ScholarlyArticle",
    "journal": "Periodical",
    "journal_issue": "PublicationIssue",
    "book": "Book",
    "book_chapter": "Chapter",
    "thesis": "Thesis",
    "report": "Report",
    "course": "Course",
    "lesson": "LearningResource",
    "lecture_slides": "PresentationDigitalDocument",
    "video": "VideoObject",
    "audio": "AudioObject",
    "image": "ImageObject",
    "dataset": "Dataset",
    "other": "CreativeWork",
}
LEARNING = {"course", "lesson", "lecture_slides"}


def schema_type(item: Item) -> str:
    return SCHEMA_TYPES.get(item.type, "CreativeWork")


def _person(creator: dict[str, Any]) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": creator["name"]}
    if creator.get("orcid"):
        person["sameAs"] = f"https://orcid.org/{creator['orcid']}"
        person["@id"] = person["sameAs"]
    if creator.get("affiliation"):
        person["affiliation"] = {"@type": "Organization", "name": creator["affiliation"]}
    return person


def jsonld(item: Item, base: str, files: list[FileRef], thumbnail: str | None) -> dict[str, Any]:
    """The schema.org description of an item; `files` are the originals a reader may download."""
    meta = item.metadata
    url = f"{base}/items/{item.id}"
    kind = schema_type(item)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": [kind, "LearningResource"] if item.type in LEARNING and kind != "LearningResource" else kind,
        "@id": url,
        "url": url,
        "name": item.title,
        "headline": item.title[:110],
        "dateCreated": item.created.isoformat(),
        "dateModified": item.datestamp.isoformat(),
        "isAccessibleForFree": True,
    }
    if meta.get("creators"):
        data["author"] = [_person(c) for c in meta["creators"]]
    if meta.get("date_issued"):
        data["datePublished"] = meta["date_issued"]
    if meta.get("language"):
        data["inLanguage"] = meta["language"]
    if meta.get("abstracts"):
        data["description"] = meta["abstracts"][0]["value"]
        data["abstract"] = data["description"]
    if meta.get("subjects"):
        data["keywords"] = [s["value"] for s in meta["subjects"]]
    if meta.get("publisher"):
        data["publisher"] = {"@type": "Organization", "name": meta["publisher"]}
    license_ = meta.get("license")
    if license_:
        data["license"] = license_["uri"]
    identifiers = [f"https://doi.org/{doi(item)}"] if doi(item) else []
    identifiers += [f"{i['scheme']}:{i['value']}" for i in meta.get("identifiers", []) if i["scheme"] != "doi"]
    if identifiers:
        data["identifier"] = identifiers
        if identifiers[0].startswith("http"):
            data["sameAs"] = identifiers[0]
    journal = meta.get("journal") or {}
    if journal.get("title"):
        data["isPartOf"] = {"@type": "Periodical", "name": journal["title"]}
        if journal.get("volume"):
            data["volumeNumber"] = journal["volume"]
        if journal.get("issue"):
            data["issueNumber"] = journal["issue"]
        if journal.get("pages"):
            data["pagination"] = journal["pages"]
    if thumbnail:
        data["thumbnailUrl"] = thumbnail
        data["image"] = thumbnail
    media = [
        {
            "@type": "MediaObject",
            "name": f.name,
            "contentUrl": base + file_path(f),
            "encodingFormat": content_type(f).split(";")[0],
            "contentSize": str(f.size),
        }
        for f in files
    ]
    if media:
        data["encoding"] = media
    if item.type in ("video", "audio") and files:
        data["contentUrl"] = media[0]["contentUrl"]
        data["encodingFormat"] = media[0]["encodingFormat"]
        data["uploadDate"] = item.created.date().isoformat()
        duration = files[0].details.get("duration_ms")
        if duration:
            data["duration"] = f"PT{int(duration) // 1000}S"
    oer = meta.get("oer") or {}
    lrmi = {
        "educationalLevel": oer.get("educational_level"),
        "learningResourceType": oer.get("learning_resource_type"),
        "timeRequired": oer.get("time_required"),
        "teaches": oer.get("teaches"),
        "assesses": oer.get("assesses"),
        "competencyRequired": oer.get("prerequisites"),
        "courseCode": oer.get("course_code") if item.type == "course" else None,
    }
    data.update({k: v for k, v in lrmi.items() if v})
    if oer.get("intended_audience"):
        data["audience"] = {"@type": "EducationalAudience", "educationalRole": oer["intended_audience"]}
    if item.type == "course":
        data["provider"] = {"@type": "CollegeOrUniversity", "name": "Al-Quds Open University"}
    return data


def course_jsonld(course: Course, base: str, files: list[FileRef], thumbnail: str | None) -> dict[str, Any]:
    """The course as schema.org Course + LearningResource (LRMI), its lessons as `hasPart`, in reading order."""
    item = course.item
    home = f"{base}/courses/{item.id}"
    data = jsonld(item, base, files, thumbnail)
    data["@type"] = ["Course", "LearningResource"]
    data["url"] = home
    data["version"] = course.edition
    data.setdefault("learningResourceType", "Course")
    language = item.metadata.get("language")
    data["hasPart"] = [
        {
            "@type": "LearningResource",
            "@id": f"{home}/lessons/{n}",
            "url": f"{home}/lessons/{n}",
            "name": lesson.title,
            "position": n,
            "learningResourceType": "Lesson",
            "isAccessibleForFree": True,
            **({"inLanguage": language} if language else {}),
            **({"license": data["license"]} if "license" in data else {}),
        }
        for n, _, lesson in course.outline.lessons()
    ]
    if data.get("competencyRequired"):
        data["coursePrerequisites"] = data["competencyRequired"]
    contributors = [
        {"@type": "Role", "roleName": c["role"], "contributor": _person(c)} if c.get("role") else _person(c)
        for c in item.metadata.get("contributors", [])
    ]
    if contributors:
        data["contributor"] = contributors
    instance: dict[str, Any] = {"@type": "CourseInstance", "courseMode": "online"}
    if data.get("timeRequired"):
        instance["courseWorkload"] = data["timeRequired"]
    data["hasCourseInstance"] = instance
    data["offers"] = {"@type": "Offer", "category": "Free", "price": 0, "priceCurrency": "USD"}
    if course.adapted_from:
        data["isBasedOn"] = f"{base}/courses/{course.adapted_from}"
    return data


def jsonld_script(data: dict[str, Any]) -> Markup:
    """The JSON for a <script type="application/ld+json"> block, safe against `</script>` in values."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - every <, > and & is escaped as JSON above


# --- FAIR Signposting ------------------------------------------------------------------------


def signposts(item: Item, base: str, files: list[FileRef]) -> list[tuple[str, str, str | None]]:
    """(target, rel, type) links describing the landing page, before any truncation."""
    url = f"{base}/items/{item.id}"
    cite_as = f"https://doi.org/{doi(item)}" if doi(item) else url
    links: list[tuple[str, str, str | None]] = [
        (cite_as, "cite-as", None),
        (f"https://schema.org/{schema_type(item)}", "type", None),
        ("https://schema.org/AboutPage", "type", None),
        (f"{url}/cite.bib", "describedby", "application/x-bibtex"),
        (f"{url}/cite.ris", "describedby", "application/x-research-info-systems"),
        (f"{url}/metadata.jsonld", "describedby", "application/ld+json"),
    ]
    links += [
        (f"https://orcid.org/{c['orcid']}", "author", None) for c in item.metadata.get("creators", []) if c.get("orcid")
    ]
    if item.metadata.get("license"):
        links.append((item.metadata["license"]["uri"], "license", None))
    links += [(base + file_path(f), "item", content_type(f).split(";")[0]) for f in files]
    return links


def as_uri(iri: str) -> str:
    """An IRI as the URI a header may carry (RFC 3987 §3.1): non-ASCII as UTF-8 percent-escapes.

    Spaces, quotes, angle brackets and control characters (CR and LF among them) are escaped too,
    so metadata such as an Arabic DOI or licence URI can neither break the header nor end it.
    """
    return quote(LONE_PERCENT.sub("%25", iri), safe=URI_SAFE)


def _header_value(target: str, rel: str, media_type: str | None) -> str:
    """One RFC 8288 link-value; the target is always a URI, the type only if it is a plain media type."""
    typed = f'; type="{media_type}"' if media_type and MEDIA_TYPE.match(media_type) else ""
    return f'<{as_uri(target)}>; rel="{rel}"' + typed


def link_header(item: Item, base: str, files: list[FileRef]) -> str:
    links = signposts(item, base, files)
    if len(files) > MAX_LINKED_FILES:
        links = [link for link in links if link[1] != "item"]
        url = f"{base}/items/{item.id}"
        links += [
            (f"{url}/linkset", "linkset", "application/linkset"),
            (f"{url}/linkset.json", "linkset", "application/linkset+json"),
        ]
    return ", ".join(_header_value(*link) for link in links)


def linkset_text(item: Item, base: str, files: list[FileRef]) -> str:
    """RFC 9264 §4.1 application/linkset: link-values with an explicit anchor."""
    anchor = f"{base}/items/{item.id}"
    return (
        ",\n".join(
            _header_value(target, rel, media_type) + f'; anchor="{anchor}"'
            for target, rel, media_type in signposts(item, base, files)
        )
        + "\n"
    )


def linkset_json(item: Item, base: str, files: list[FileRef]) -> dict[str, Any]:
    """RFC 9264 §4.2 application/linkset+json."""
    context: dict[str, Any] = {"anchor": f"{base}/items/{item.id}"}
    for target, rel, media_type in signposts(item, base, files):
        context.setdefault(rel, []).append({"href": target} | ({"type": media_type} if media_type else {}))
    return {"linkset": [context]}
