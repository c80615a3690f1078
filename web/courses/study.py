"""Studying a course, with no sign-in: the open-course listing and feed, course home, lessons, package pages, downloads.

Readers see a course when `Item.is_public(today)` holds, staff always. A
lesson shows the course's own files (PDFs and slides inline, video and audio
with their caption tracks, package pages in a sandboxed frame, played from
the package origin when one is configured — see `web.courses.packages`) and links
to other repository items, each only if the reader may see it. Every page ends with the generated attribution list.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from harvest.crosswalks import jsonld
from harvest.crosswalks.context import Context
from harvest.exports import service as exports
from harvest.exports.course_files import FORMATS, MEDIA_TYPES, export_name, original_package
from repository.courses.outline import Lesson, Module, Resource, ResourceKind
from repository.courses.service import Course, editions, load_course
from repository.db import records
from repository.db.uow import reading
from repository.domain import Actor, FileRef, Item, Status, utcnow
from repository.errors import NotFound
from web import i18n
from web.auth import current_actor, wiring_of
from web.courses import catalog as course_catalog
from web.courses import packages
from web.courses.labels import CONTRIBUTOR_ROLES, LEVELS, template_globals
from web.downloads import ACTIVE_CSP, content_disposition, serve_file
from web.i18n import N_
from web.params import RowId
from web.security import PAGE_CSP
from web.templating import env, jsonld_script, render, render_bare
from web.views.item_view import file_views, thumbnail_of
from web.views.labels import language_name, license_label
from web.views.paging import Pager
from web.wiring import spool_dir

router = APIRouter(include_in_schema=False)
env.globals.update(template_globals())
FEED_SIZE = 50
FACETS = ("faculty", "level", "language")


@dataclass(frozen=True)
class Reader:
    course: Course
    actor: Actor
    today: date

    @property
    def item(self) -> Item:
        return self.course.item

    @property
    def files_open(self) -> bool:
        return course_catalog.visible(self.item, self.actor, self.today)


def load_reader(request: Request, item_id: str, *, files: bool = False) -> Reader:
    """The course as this reader may see it; NotFound when hidden (or, with `files`, when its content is closed)."""
    actor, today, wiring = current_actor(request), utcnow().date(), wiring_of(request)
    with reading(wiring.engine) as conn:
        course = course_catalog.readable_course(conn, item_id, actor, today, wiring.settings)
    reader = Reader(course, actor, today)
    if files and not reader.files_open:
        raise NotFound(f"the content of course {item_id} is not open yet")
    return reader


# --- the open-course listing and feed ----------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int
    selected: bool
    href: str


def _value(entry: course_catalog.CourseEntry, name: str) -> str | None:
    return {"faculty": entry.community.id, "level": entry.level, "language": entry.language}[name]


def _facets(request: Request, entries: list[course_catalog.CourseEntry], lang: str) -> dict[str, list[Facet]]:
    """Each facet's values counted over the courses the other facets select, so a choice can be changed."""
    chosen = {name: request.query_params.get(name, "") for name in FACETS}
    labels: dict[str, dict[str, str]] = {
        "faculty": {e.community.id: e.community.name_ar if lang == "ar" else e.community.name_en for e in entries},
        "level": {code: i18n.gettext(lang, text) for code, text in LEVELS.items()},
        "language": {e.language: language_name(e.language, lang) for e in entries if e.language},
    }
    found: dict[str, list[Facet]] = {}
    for name in FACETS:
        others = [e for e in entries if all(not v or _value(e, k) == v for k, v in chosen.items() if k != name)]
        counts = Counter(v for e in others if (v := _value(e, name)))
        found[name] = [
            Facet(v, labels[name].get(v, v), n, v == chosen[name], _with(request, name, "" if v == chosen[name] else v))
            for v, n in sorted(counts.items(), key=lambda x: (-x[1], labels[name].get(x[0], x[0])))
        ]
    return found


def _with(request: Request, name: str, value: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k in FACETS and k != name and v}
    if value:
        params[name] = value
    return "/courses" + (f"?{urlencode(sorted(params.items()))}" if params else "")


@router.get("/courses")
def browse_courses(request: Request, faculty: str = "", level: str = "", language: str = "", page: int = 1) -> Response:
    lang = request.state.lang
    with reading(wiring_of(request).engine) as conn:
        entries = course_catalog.public_courses(conn, utcnow().date())
    wanted = {"faculty": faculty, "level": level, "language": language}
    chosen = [e for e in entries if all(not v or _value(e, k) == v for k, v in wanted.items())]
    pager = Pager.of(request.url, page, len(chosen))
    context = {
        "entries": chosen[pager.offset : pager.offset + pager.per_page],
        "pager": pager,
        "facets": _facets(request, entries, lang),
        "filtered": any(wanted.values()),
        "levels": LEVELS,
    }
    return render(
        request,
        "courses/browse.html",
        context,
        headers={"link": '</courses/feed.atom>; rel="alternate"; type="application/atom+xml"'},
    )


@router.get("/courses/feed.atom")
def course_feed(request: Request) -> Response:
    """New and updated courses, newest change first (Atom, RFC 4287)."""
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        entries = course_catalog.public_courses(conn, utcnow().date())[:FEED_SIZE]
    body = env.get_template("courses/feed.atom.xml").render(
        base_url=wiring.settings.base_url.rstrip("/"),
        site_name=wiring.settings.repository_name,
        entries=entries,
        updated=max((e.item.datestamp for e in entries), default=utcnow()),
    )
    return Response(body, media_type="application/atom+xml")


# --- course home -----------------------------------------------------------------------------


def _people(item: Item) -> list[tuple[str, str | None, str | None]]:
    """(name, role code or None for an author, affiliation) of the course's authors and contributors."""
    meta = item.metadata
    people = [(c["name"], None, c.get("affiliation")) for c in meta.get("creators", [])]
    return people + [(c["name"], c.get("role") or "", c.get("affiliation")) for c in meta.get("contributors", [])]


@router.get("/courses/{item_id}")
def course_home(request: Request, item_id: str) -> Response:
    reader = load_reader(request, item_id)
    course, item = reader.course, reader.item
    wiring = wiring_of(request)
    base = wiring.settings.base_url.rstrip("/")
    with reading(wiring.engine) as conn:
        collection = records.load_collection(conn, item.collection_id)
        community = records.load_community(conn, collection.community_id)
        lineage = editions(conn, item.id) or [(course.edition, item.id)]  # a course with no outline has no row
        related = [i for i in (course.adapted_from, course.previous_edition) if i]
        shown = course_catalog.visible_items(conn, [i for _, i in lineage] + related, reader.actor, reader.today)
        credits = course_catalog.credits_for(conn, course, reader.actor, reader.today)
    thumb = thumbnail_of(item) if reader.files_open else None
    thumb_url = base + thumb.path if thumb else None
    public_files = item.originals() if reader.files_open else []
    context: dict[str, Any] = {
        "course": course,
        "item": item,
        "meta": item.metadata,
        "community": community,
        "collection": collection,
        "lessons": list(course.outline.lessons()),
        "people": _people(item),
        "roles": CONTRIBUTOR_ROLES,
        "levels": LEVELS,
        "editions": [(n, i, shown.get(i)) for n, i in lineage],
        "adapted_from": shown.get(course.adapted_from or ""),
        "credits": credits,
        "files_open": reader.files_open,
        "is_public": item.is_public(reader.today),
        "files": [(f, f.path) for f in public_files],
        "formats": [f for f in FORMATS if f != "scorm" or original_package(item) is not None],
        "license_label": license_label(item.metadata.get("license")),
        "thumbnail": thumb.path if thumb else None,
        "canonical": f"{base}/courses/{item.id}",
        "jsonld": jsonld_script(jsonld.course_to_jsonld(course, base, public_files, thumb_url)),
    }
    headers = {"link": f'<{base}/items/{item.id}>; rel="describedby"; type="text/html"'}
    if not item.is_public(reader.today):
        headers |= {"x-robots-tag": "noindex", "cache-control": "private, no-store"}
    return render(request, "courses/home.html", context, headers=headers)


# --- lessons ---------------------------------------------------------------------------------


@dataclass
class ResourceView:
    """One resource as a lesson shows it: `kind` is page, pdf, video, audio, image, download, item or unavailable."""

    resource: Resource
    kind: str
    url: str | None = None
    file: FileRef | None = None
    captions: list[tuple[FileRef, str, str]] = field(default_factory=list)
    item: Item | None = None
    isolated: bool = False  # a package page played from the package origin (its frame keeps that origin)


def package_base(request: Request, reader: Reader, file_id: int) -> str:
    """Where a package's pages are served for this reader: the public path, or a signed preview path for staff."""
    if reader.item.is_public(reader.today):
        return f"/courses/{reader.item.id}/package/{file_id}"
    key = packages.preview_key(wiring_of(request).settings.secret(), reader.item.id, file_id)
    return f"/courses/{reader.item.id}/preview/{key}/{file_id}"


def player_url(request: Request, item_id: str, page: str, title: str) -> str:
    """The player on the package origin, framing `page` (a package path) under the runtime."""
    origin = wiring_of(request).settings.package_origin
    query = urlencode({"page": page, "title": title, "lang": request.state.lang})
    return f"{origin}/courses/{item_id}/player?{query}"


def resource_views(request: Request, reader: Reader, lesson: Lesson, linked: dict[str, Item]) -> list[ResourceView]:
    item = reader.item
    files = {f.id: f for f in item.files}
    shown = {v.ref.id: v for v in file_views(item)}
    views = []
    for r in lesson.resources:
        ref = files.get(r.file_id) if r.file_id is not None else None
        if r.kind is ResourceKind.ITEM:
            target = linked.get(r.item_id or "")
            views.append(ResourceView(r, "item" if target else "unavailable", item=target))
        elif ref is None:
            views.append(ResourceView(r, "unavailable"))
        elif r.kind is ResourceKind.PACKAGE or packages.is_page(ref):
            page = r.href if r.kind is ResourceKind.PACKAGE else ref.name
            url = f"{package_base(request, reader, ref.id)}/{quote(page or '', safe='/')}"
            if wiring_of(request).settings.package_origin:
                views.append(ResourceView(r, "page", player_url(request, item.id, url, r.title), ref, isolated=True))
            else:
                views.append(ResourceView(r, "page", url, ref))
        elif ref.id in shown:
            view = shown[ref.id]
            kind = view.kind if view.kind in ("pdf", "video", "audio", "image") else "download"
            views.append(ResourceView(r, kind, view.url, ref, view.captions))
        else:
            views.append(ResourceView(r, "download", ref.path, ref))
    return views


def _neighbour(course: Course, number: int) -> tuple[int, str] | None:
    try:
        return number, course.outline.lesson(number)[1].title
    except IndexError:
        return None


@router.get("/courses/{item_id}/lessons/{number}")
def lesson_page(request: Request, item_id: str, number: RowId) -> Response:
    reader = load_reader(request, item_id, files=True)
    course = reader.course
    try:
        module, lesson = course.outline.lesson(number)
    except IndexError:
        raise NotFound(f"course {item_id} has no lesson {number}") from None
    wiring = wiring_of(request)
    with reading(wiring.engine) as conn:
        linked = course_catalog.visible_items(
            conn, [r.item_id for r in lesson.resources if r.item_id], reader.actor, reader.today
        )
        credits = course_catalog.credits_for(conn, course, reader.actor, reader.today)
    module_number = next(m for m, candidate in enumerate(course.outline.modules, 1) if candidate is module)
    base = wiring.settings.base_url.rstrip("/")
    context: dict[str, Any] = {
        "course": course,
        "item": reader.item,
        "meta": reader.item.metadata,
        "number": number,
        "module": module,
        "module_number": module_number,
        "lesson": lesson,
        "views": resource_views(request, reader, lesson, linked),
        "previous": _neighbour(course, number - 1) if number > 1 else None,
        "next": _neighbour(course, number + 1),
        "credits": credits,
        "is_public": reader.item.is_public(reader.today),
        "license_label": license_label(reader.item.metadata.get("license")),
        "canonical": f"{base}/courses/{item_id}/lessons/{number}",
        "jsonld": jsonld_script(_lesson_jsonld(course, base, number, lesson, module)),
    }
    headers = {} if context["is_public"] else {"x-robots-tag": "noindex", "cache-control": "private, no-store"}
    if wiring.settings.package_origin:  # the page's own policy, letting it frame the package player
        headers["content-security-policy"] = PAGE_CSP.replace(
            "frame-src 'self'", f"frame-src 'self' {wiring.settings.package_origin}"
        )
    return render(request, "courses/lesson.html", context, headers=headers)


def _lesson_jsonld(course: Course, base: str, number: int, lesson: Lesson, module: Module) -> dict[str, Any]:
    home = f"{base}/courses/{course.item.id}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "@id": f"{home}/lessons/{number}",
        "name": lesson.title,
        "learningResourceType": "Lesson",
        "position": number,
        "isAccessibleForFree": True,
        "isPartOf": {"@type": "Course", "@id": f"{base}/items/{course.item.id}", "url": home,
                     "name": course.item.title},
    }  # fmt: skip
    if course.item.metadata.get("language"):
        data["inLanguage"] = course.item.metadata["language"]
    if course.item.metadata.get("license"):
        data["license"] = course.item.metadata["license"]["uri"]
    return data


# --- package pages ---------------------------------------------------------------------------


def _site_origin(request: Request) -> str | None:
    """The site that may frame this package page, when it is asked for on the package origin."""
    settings = wiring_of(request).settings
    if not packages.on_package_host(request.headers.get("host"), settings.package_origin):
        return None
    parts = settings.base_url.split("/")
    return "/".join(parts[:3])


PLAYER_WORDS = {
    "completed": N_("completed"),
    "incomplete": N_("incomplete"),
    "not attempted": N_("not attempted"),
    "browsed": N_("browsed"),
    "unknown": N_("unknown"),
    "passed": N_("passed"),
    "failed": N_("failed"),
}


@router.get("/courses/{item_id}/player")
def package_player(request: Request, item_id: str, page: str, title: str = "", lang: str = "") -> Response:
    """The page the lesson frames on the package origin: the SCORM runtime, the package page and its progress."""
    site = _site_origin(request)
    if site is None or not packages.player_page_valid(item_id, page):
        raise NotFound(f"no player for {page!r} in course {item_id}")
    lang = lang if lang in i18n.LANGUAGES else request.state.lang
    labels = {
        "progress": i18n.gettext(lang, N_("Progress")),
        "result": i18n.gettext(lang, N_("Result")),
        "score": i18n.gettext(lang, N_("Score")),
        "values": {k: i18n.gettext(lang, v) for k, v in PLAYER_WORDS.items()},
    }
    context = {"page": page, "title": title[:300], "labels": json.dumps(labels, ensure_ascii=False)}
    body = render_bare("courses/player.html", lang, context)
    headers = {"content-security-policy": packages.player_csp(site), "cache-control": "private, no-store"}
    return Response(body, media_type="text/html", headers=headers)


def _package_file(item: Item, file_id: int) -> FileRef:
    ref = next((f for f in item.originals() if f.id == file_id), None)
    if ref is None:
        raise NotFound(f"no file {file_id} in course {item.id}")
    return ref


@router.head("/courses/{item_id}/package/{file_id}/{path:path}")
@router.get("/courses/{item_id}/package/{file_id}/{path:path}")
def package_page(request: Request, item_id: str, file_id: RowId, path: str) -> Response:
    reader = load_reader(request, item_id, files=True)
    public = reader.item.is_public(reader.today)
    ref = _package_file(reader.item, file_id)
    store, site = wiring_of(request).store, _site_origin(request)
    return packages.serve_page(store, reader.item, ref, path, public=public, site_origin=site)


@router.head("/courses/{item_id}/preview/{key}/{file_id}/{path:path}")
@router.get("/courses/{item_id}/preview/{key}/{file_id}/{path:path}")
def package_preview(request: Request, item_id: str, key: str, file_id: RowId, path: str) -> Response:
    """A package of a course that is not public yet, for the staff member whose lesson page signed the key.

    The key travels without a cookie, so anyone holding the link may use it: every request checks
    again that the course still exists, still has this package, and was not deleted or withdrawn
    since the key was signed.
    """
    wiring = wiring_of(request)
    if not packages.preview_key_valid(wiring.settings.secret(), item_id, file_id, key):
        raise NotFound(f"the preview of course {item_id} has expired; reload the lesson")
    with reading(wiring.engine) as conn:
        item = load_course(conn, item_id).item
    if item.status in (Status.DELETED, Status.WITHDRAWN):
        raise NotFound(f"no course {item_id!r}")
    ref = _package_file(item, file_id)
    return packages.serve_page(wiring.store, item, ref, path, public=False, site_origin=_site_origin(request))


# --- downloads -------------------------------------------------------------------------------


@router.get("/courses/{item_id}/download/{fmt}")
def download_course(request: Request, item_id: str, fmt: str) -> Response:
    """The course as an IMS Common Cartridge, its original SCORM package, or a plain zip with a README."""
    if fmt not in FORMATS:
        raise NotFound(f"no download format {fmt!r}")
    reader = load_reader(request, item_id, files=True)
    wiring = wiring_of(request)
    public = reader.item.is_public(reader.today)
    package = original_package(reader.item)
    if fmt == "scorm" and package is not None:
        return serve_file(request, wiring.store, package, public=public)
    with reading(wiring.engine) as conn:
        credits = course_catalog.credits_for(conn, reader.course, reader.actor, reader.today)
    ctx = Context(wiring.settings.base_url.rstrip("/"), wiring.settings.repository_name, reader.today)
    path = exports.spool_course(reader.course, fmt, wiring.store, ctx, credits, spool_dir(wiring.settings))
    headers = {
        "content-disposition": content_disposition(export_name(reader.course, fmt), inline=False),
        "content-security-policy": ACTIVE_CSP,
        "cache-control": "public, max-age=3600" if public else "private, no-store",
    }
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], headers=headers, background=BackgroundTask(os.unlink, path))
