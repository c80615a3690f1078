"""The course builder's forms: each submitted form is one small edit of the outline.

Plain forms, so the builder works without JavaScript and from the keyboard:
a form names an operation (`op`) and the position it acts on — module `m`,
lesson `l`, resource `r`, all counted from 1 as the page shows them. The
page also sends the digest of the outline it was drawn from; an edit made
on a stale page (another librarian changed the outline meanwhile) is refused
rather than applied to whatever now sits at that position.

Moving the first lesson of a module up puts it at the end of the module
before; moving the last one down puts it first in the module after, so a
lesson can travel anywhere with the two buttons alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TypeVar

from repository.courses.outline import MAX_TITLE, Lesson, Module, Outline, Resource, ResourceKind, outline_from_json
from repository.errors import Conflict, InvalidInput

OPS = (
    "add-module", "rename-module", "delete-module", "module-up", "module-down",
    "add-lesson", "rename-lesson", "delete-lesson", "lesson-up", "lesson-down",
    "add-resource", "rename-resource", "delete-resource", "resource-up", "resource-down", "toggle-adapted",
)  # fmt: skip


T = TypeVar("T")


def digest(outline: Outline) -> str:
    return hashlib.sha256(json.dumps(outline.to_json(), sort_keys=True).encode()).hexdigest()[:16]


def _position(form: Mapping[str, str], name: str, length: int, what: str) -> int:
    """A 0-based index from the form's 1-based position, checked against the list it points into."""
    raw = str(form.get(name, ""))
    if not raw.isdigit() or not 1 <= int(raw) <= length:
        raise InvalidInput(f"there is no {what} {raw or '(none)'}")
    return int(raw) - 1


def _title(form: Mapping[str, str], what: str) -> str:
    title = str(form.get("title", "")).strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"give the {what} a title of 1 to {MAX_TITLE} characters")
    return title


def _swap(items: list[T], index: int, step: int) -> int:
    other = index + step
    if not 0 <= other < len(items):
        return index
    items[index], items[other] = items[other], items[index]
    return other


def apply_edit(outline: Outline, form: Mapping[str, str], resource: Resource | None = None) -> tuple[Outline, str]:
    """The outline after the form's edit, and the id of the element to return to on the page.

    `resource` is what an "add-resource" form adds (the page resolves its target and default
    title). Raises InvalidInput for a bad position or title, Conflict for a stale page.
    """
    op = str(form.get("op", ""))
    if op not in OPS:
        raise InvalidInput(f"unknown outline operation {op!r}")
    if str(form.get("digest", "")) != digest(outline):
        raise Conflict("the outline was changed meanwhile (perhaps by someone else): reload the page and try again")
    edited = outline_from_json(outline.to_json())  # a copy: the stored outline stays as it was
    modules = edited.modules
    if op == "add-module":
        modules.append(Module(_title(form, "module")))
        return edited, f"m{len(modules)}"
    m = _position(form, "m", len(modules), "module")
    module = modules[m]
    if op == "rename-module":
        module.title = _title(form, "module")
    elif op == "delete-module":
        del modules[m]
        return edited, f"m{max(m, 1)}" if modules else "outline"
    elif op in ("module-up", "module-down"):
        m = _swap(modules, m, -1 if op == "module-up" else 1)
    elif op == "add-lesson":
        module.lessons.append(Lesson(_title(form, "lesson")))
        return edited, f"m{m + 1}-l{len(module.lessons)}"
    else:
        return edited, _lesson_edit(op, form, modules, m, resource)
    return edited, f"m{m + 1}"


def _lesson_edit(op: str, form: Mapping[str, str], modules: list[Module], m: int, resource: Resource | None) -> str:
    lessons = modules[m].lessons
    n = _position(form, "l", len(lessons), "lesson")
    lesson = lessons[n]
    if op == "rename-lesson":
        lesson.title = _title(form, "lesson")
    elif op == "delete-lesson":
        del lessons[n]
        return f"m{m + 1}"
    elif op == "lesson-up" and n == 0 and m > 0:  # to the end of the module before
        modules[m - 1].lessons.append(lessons.pop(0))
        return f"m{m}-l{len(modules[m - 1].lessons)}"
    elif op == "lesson-down" and n == len(lessons) - 1 and m < len(modules) - 1:  # to the start of the next
        modules[m + 1].lessons.insert(0, lessons.pop())
        return f"m{m + 2}-l1"
    elif op in ("lesson-up", "lesson-down"):
        n = _swap(lessons, n, -1 if op == "lesson-up" else 1)
    elif op == "add-resource":
        if resource is None:
            raise InvalidInput("choose what to add to the lesson")
        lesson.resources.append(resource)
    else:
        _resource_edit(op, form, lesson)
    return f"m{m + 1}-l{n + 1}"


def _resource_edit(op: str, form: Mapping[str, str], lesson: Lesson) -> None:
    r = _position(form, "r", len(lesson.resources), "resource")
    resource = lesson.resources[r]
    if op == "rename-resource":
        resource.title = _title(form, "resource")
    elif op == "delete-resource":
        del lesson.resources[r]
    elif op == "toggle-adapted":
        if resource.kind is not ResourceKind.ITEM:
            raise InvalidInput("only a linked item can be marked as adapted")
        resource.adapted = not resource.adapted
    else:
        _swap(lesson.resources, r, -1 if op == "resource-up" else 1)
