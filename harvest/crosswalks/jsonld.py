"""Item → schema.org JSON-LD, with the LRMI properties for learning resources; a course adds its lessons.

Pure, like the other crosswalks: the item pages embed the result and serve it as metadata.jsonld.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from harvest.crosswalks.citations import doi
from repository.courses.service import Course
from repository.domain import FileRef, Item
from repository.reading.accessibility import accessibility

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


def to_jsonld(
    item: Item, base: str, files: list[FileRef], thumbnail: str | None, formats: Collection[str] = ()
) -> dict[str, Any]:
    """The schema.org description of an item; `files` are the originals a reader may download, `formats` the
    alternative formats this server can make of its text (see `repository.reading.accessibility`)."""
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
            "contentUrl": base + f.path,
            "encodingFormat": f.media_type,
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
    data.update(accessibility(item, files, formats))
    return data


def course_to_jsonld(course: Course, base: str, files: list[FileRef], thumbnail: str | None) -> dict[str, Any]:
    """The course as schema.org Course + LearningResource (LRMI), its lessons as `hasPart`, in reading order."""
    item = course.item
    home = f"{base}/courses/{item.id}"
    data = to_jsonld(item, base, files, thumbnail)
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
