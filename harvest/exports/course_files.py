"""A course as a file to take away: IMS Common Cartridge, its original SCORM package, or a plain zip.

The course pages' download links and `mawrid export --format` both write
through `write_export`. The cartridge is `harvest.exports.cartridge`'s; the SCORM
download is the package the course was made from, byte for byte (a course
built in the workspace has none); the plain zip holds the course's own
files and a README with its outline and the attribution list.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from harvest.crosswalks.context import Context
from harvest.exports.cartridge import attribution_text, write_cartridge
from repository.courses.outline import ResourceKind
from repository.courses.service import Attribution, Course
from repository.domain import FileRef, FileRole, Item
from repository.errors import InvalidInput, NotFound
from repository.objects.ports import CHUNK, ObjectStore

FORMATS = ("imscc", "scorm", "zip")
SCORM_KINDS = ("scorm12", "scorm2004")
MEDIA_TYPES = {"imscc": "application/vnd.ims.imsccv1p1", "scorm": "application/zip", "zip": "application/zip"}


def original_package(item: Item) -> FileRef | None:
    """The SCORM package the course came from, if it came from one."""
    return next((f for f in item.originals() if f.details.get("kind") in SCORM_KINDS), None)


def export_name(course: Course, fmt: str) -> str:
    if fmt == "scorm":
        package = original_package(course.item)
        if package is not None:
            return package.name
    return f"{course.item.id}.{'imscc' if fmt == 'imscc' else 'zip'}"


def write_export(
    course: Course, fmt: str, store: ObjectStore, ctx: Context, credits: list[Attribution], out: BinaryIO
) -> None:
    """Write the course in `fmt`; raises InvalidInput for an unknown format, NotFound for SCORM without a package."""
    if fmt == "imscc":
        write_cartridge(course, store, ctx, credits, out)
    elif fmt == "scorm":
        package = original_package(course.item)
        if package is None:
            raise NotFound(f"course {course.item.id} was not made from a SCORM package; export it as imscc or zip")
        _copy(store, package, out)
    elif fmt == "zip":
        write_plain_zip(course, store, ctx, credits, out)
    else:
        raise InvalidInput(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def _copy(store: ObjectStore, ref: FileRef, out: BinaryIO) -> None:
    with store.open(ref.key) as src:
        while chunk := src.read(CHUNK):
            out.write(chunk)


def zip_paths(item: Item) -> dict[int, str]:
    """Where each content and caption file goes in the plain zip; a repeated name gets its file id."""
    paths: dict[int, str] = {}
    taken: set[str] = set()
    for ref in item.files:
        if ref.role not in (FileRole.ORIGINAL, FileRole.CAPTION):
            continue
        path = f"files/{ref.name}"
        if path.lower() in taken:
            path = f"files/{ref.id}-{ref.name}"
        taken.add(path.lower())
        paths[ref.id] = path
    return paths


def readme(course: Course, ctx: Context, paths: dict[int, str], credits: list[Attribution]) -> str:
    item, meta = course.item, course.item.metadata
    lic = course.license
    lines = [item.title, "=" * len(item.title), ""]
    lines.append(f"Edition {course.edition} · {lic.label}" + (f" <{lic.uri}>" if lic.uri else ""))
    lines += [f"{ctx.base_url}/courses/{item.id}", ""]
    if meta.get("abstracts"):
        lines += [meta["abstracts"][0]["value"], ""]
    lines += ["Outline", "-------"]
    for m, module in enumerate(course.outline.modules, 1):
        lines.append(f"Module {m}: {module.title}")
        for n, lesson in enumerate(module.lessons, 1):
            lines.append(f"  Lesson {m}.{n}: {lesson.title}")
            for resource in lesson.resources:
                if resource.kind is ResourceKind.ITEM:
                    where = f"{ctx.base_url}/items/{resource.item_id}"
                elif resource.kind is ResourceKind.PACKAGE:
                    where = f"{paths.get(resource.file_id or 0, '?')} → {resource.href}"
                else:
                    where = paths.get(resource.file_id or 0, "?")
                lines.append(f"    - {resource.title}: {where}")
    return "\n".join([*lines, "", attribution_text(credits, ctx)])


def write_plain_zip(
    course: Course, store: ObjectStore, ctx: Context, credits: list[Attribution], out: BinaryIO
) -> None:
    paths = zip_paths(course.item)
    files = {f.id: f for f in course.item.files}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(course, ctx, paths, credits))
        for file_id, path in paths.items():
            with archive.open(path, "w") as dst:
                _copy(store, files[file_id], dst)  # type: ignore[arg-type]
