"""A course's outline: modules → lessons → resources. Pure data, no I/O.

A resource is a file of the course itself (a page inside its package, a PDF
chapter, slides, a recording) or a link to another item of the repository.
Lessons are addressed by their position in reading order (1, 2, …): an
edition's outline never changes once published, so the numbers stay stable
for citation; later changes make a new edition.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from repository.errors import InvalidInput


class ResourceKind(enum.StrEnum):
    FILE = "file"  # a file of the course (a PDF chapter, slides, a recording)
    PACKAGE = "package"  # a page inside one of the course's packages
    ITEM = "item"  # another item of the repository


MAX_TITLE = 500


@dataclass
class Resource:
    kind: ResourceKind
    title: str
    file_id: int | None = None  # "file" and "package": a file of this course
    href: str | None = None  # "package": the page inside the package
    item_id: str | None = None  # "item": another item of the repository
    adapted: bool = False  # "item": the course changes it rather than including it as it is

    def __post_init__(self) -> None:
        self.kind = ResourceKind(self.kind)  # also from the plain string a form or stored JSON gives

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "title": self.title}
        for name in ("file_id", "href", "item_id"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.adapted:
            data["adapted"] = True
        return data


@dataclass
class Lesson:
    title: str
    resources: list[Resource] = field(default_factory=list)


@dataclass
class Module:
    title: str
    lessons: list[Lesson] = field(default_factory=list)


@dataclass
class Outline:
    modules: list[Module] = field(default_factory=list)

    def lessons(self) -> Iterator[tuple[int, Module, Lesson]]:
        """Every lesson with its 1-based number in reading order."""
        n = 0
        for module in self.modules:
            for lesson in module.lessons:
                n += 1
                yield n, module, lesson

    def lesson(self, number: int) -> tuple[Module, Lesson]:
        for n, module, lesson in self.lessons():
            if n == number:
                return module, lesson
        raise IndexError(number)

    def lesson_for(self, file_id: int, href: str | None = None) -> int | None:
        """The number of the first lesson that shows this file (this page of it, for a package)."""
        for n, _, lesson in self.lessons():
            for r in lesson.resources:
                if r.file_id == file_id and (href is None or r.kind is not ResourceKind.PACKAGE or r.href == href):
                    return n
        return None

    def resources(self) -> Iterator[Resource]:
        for _, _, lesson in self.lessons():
            yield from lesson.resources

    def to_json(self) -> dict[str, Any]:
        return {
            "modules": [
                {
                    "title": m.title,
                    "lessons": [{"title": lesson.title, "resources": [r.to_json() for r in lesson.resources]}
                                for lesson in m.lessons],
                }
                for m in self.modules
            ]
        }  # fmt: skip


def outline_from_json(data: Any) -> Outline:
    """Parse and check an outline; raises InvalidInput naming the first problem."""
    if not isinstance(data, dict) or not isinstance(data.get("modules"), list):
        raise InvalidInput("an outline is an object with a list of modules")
    modules = []
    for m, module in enumerate(data["modules"], 1):
        lessons = []
        for n, lesson in enumerate(_list(module, "lessons", f"module {m}"), 1):
            where = f"module {m}, lesson {n}"
            resources = [
                _resource(r, f"{where}, resource {k}") for k, r in enumerate(_list(lesson, "resources", where), 1)
            ]
            lessons.append(Lesson(_title(lesson, where), resources))
        modules.append(Module(_title(module, f"module {m}"), lessons))
    return Outline(modules)


def _list(data: Any, key: str, where: str) -> list[Any]:
    value = data.get(key, []) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise InvalidInput(f"{where}: {key} must be a list")
    return value


def _title(data: Any, where: str) -> str:
    title = data.get("title") if isinstance(data, dict) else None
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise InvalidInput(f"{where}: a title of 1 to {MAX_TITLE} characters is required")
    return title.strip()


def _resource(data: Any, where: str) -> Resource:
    kind = data.get("kind") if isinstance(data, dict) else None
    title = _title(data, where)
    if kind in (ResourceKind.FILE, ResourceKind.PACKAGE):
        file_id = data.get("file_id")
        if not isinstance(file_id, int):
            raise InvalidInput(f"{where}: a {kind} resource needs the id of one of the course's files")
        href = data.get("href")
        if kind == ResourceKind.PACKAGE and (
            not isinstance(href, str) or not href or href.startswith("/") or ".." in href
        ):
            raise InvalidInput(f"{where}: a package resource needs a relative page path inside the package")
        return Resource(ResourceKind(kind), title, file_id=file_id, href=href if kind == ResourceKind.PACKAGE else None)
    if kind == ResourceKind.ITEM:
        item_id = data.get("item_id")
        if not isinstance(item_id, str) or not item_id:
            raise InvalidInput(f"{where}: an item resource needs the id of the item it links to")
        return Resource(ResourceKind.ITEM, title, item_id=item_id, adapted=bool(data.get("adapted", False)))
    raise InvalidInput(f"{where}: kind must be file, package or item")


def outline_from_package(tree: list[dict[str, Any]], file_id: int) -> Outline:
    """Turn a package's organisation tree (as the course extractor keeps it) into modules and lessons.

    A top-level entry with children is a module; each of its children is a
    lesson whose pages are its own page or, if it has children, all the
    pages beneath it. Consecutive top-level pages are gathered into a module
    of their own, in place, so the reading order stays the package's.
    """
    modules: list[Module] = []
    loose: list[Lesson] = []

    def gather() -> None:
        if loose:
            modules.append(Module(loose[0].title if len(loose) == 1 else "Lessons", list(loose)))
            loose.clear()

    for node in tree:
        if node.get("children"):
            gather()
            modules.append(Module(str(node["title"]), [_package_lesson(kid, file_id) for kid in node["children"]]))
        else:
            loose.append(_package_lesson(node, file_id))
    gather()
    return Outline(modules)


def _leaves(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    kids = node.get("children") or []
    if not kids:
        yield node
    for kid in kids:
        yield from _leaves(kid)


def _package_lesson(node: dict[str, Any], file_id: int) -> Lesson:
    pages = [leaf for leaf in _leaves(node) if leaf.get("href")]
    resources = [
        Resource(ResourceKind.PACKAGE, str(p.get("title") or "Page"), file_id=file_id, href=str(p["href"]))
        for p in pages
    ]
    return Lesson(str(node.get("title") or "Lesson"), resources)
