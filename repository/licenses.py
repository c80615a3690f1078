"""Licences of resources and courses, and whether a resource may go into a course.

Pure functions over a small catalogue: the Creative Commons 4.0 family, CC0,
the Public Domain Mark and "all rights reserved". The rules follow the CC
licences themselves: a verbatim copy inside a larger work (a course that
collects resources) is not an adaptation, so it keeps its own licence; an
adapted resource passes on ShareAlike and may not be adapted at all under
NoDerivatives; NonCommercial material cannot sit in a course that allows
commercial re-use.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    key: str  # "cc-by-sa-4.0", "cc0-1.0", "pdm-1.0", "arr"
    label: str
    uri: str | None
    attribution: bool = False  # BY
    share_alike: bool = False  # SA
    non_commercial: bool = False  # NC
    no_derivatives: bool = False  # ND
    open: bool = True  # an open licence at all (not "all rights reserved")


def _cc(parts: str, version: str = "4.0") -> License:
    flags = parts.split("-")
    return License(
        key=f"cc-{parts}-{version}",
        label=f"CC {parts.upper()} {version}",
        uri=f"https://creativecommons.org/licenses/{parts}/{version}/",
        attribution=True,
        share_alike="sa" in flags,
        non_commercial="nc" in flags,
        no_derivatives="nd" in flags,
    )


CC_ELEMENTS = ("by", "by-sa", "by-nc", "by-nc-sa", "by-nd", "by-nc-nd")
CATALOGUE: dict[str, License] = {
    lic.key: lic
    for lic in (
        *(_cc(p) for p in CC_ELEMENTS),
        License("cc0-1.0", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        License("pdm-1.0", "Public Domain Mark 1.0", "https://creativecommons.org/publicdomain/mark/1.0/"),
        License("arr", "All rights reserved", None, open=False),
    )
}
ALL_RIGHTS_RESERVED = CATALOGUE["arr"]
_CC_URI = re.compile(r"^https?://creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)/?", re.IGNORECASE)


def license_for(uri: str | None) -> License:
    """The catalogue entry for a licence URI; no licence is all rights reserved, and a
    licence outside the catalogue is "other", whose terms a librarian has to read."""
    if not uri:
        return ALL_RIGHTS_RESERVED
    match = _CC_URI.match(uri.strip())
    if not match:
        return License("other", "Other licence", uri.strip(), open=False)
    kind, parts, version = match.groups()
    parts = parts.lower()
    if kind == "publicdomain":
        return CATALOGUE["cc0-1.0"] if parts == "zero" else CATALOGUE["pdm-1.0"]
    if parts not in CC_ELEMENTS:
        return License("other", "Other licence", uri.strip(), open=False)
    return _cc(parts, version)  # earlier versions carry the same conditions under their own name


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"  # allowed, but the librarian must act (keep a notice, ask permission)
    INCOMPATIBLE = "incompatible"


@dataclass(frozen=True)
class Verdict:
    level: Level
    reason: str


def check_inclusion(resource: License, course: License, *, adapted: bool) -> Verdict:
    """May a resource under `resource` be part of a course under `course`?

    `adapted`: the course changes the resource (translated, cut, remixed)
    rather than including it as it is.
    """
    if resource.key == "other":
        return Verdict(
            Level.WARNING, f"Mawrid cannot check the terms of {resource.uri}: confirm they allow this re-use"
        )
    if not resource.open:
        return Verdict(Level.INCOMPATIBLE, "the resource is all rights reserved: ask the rights holder for permission")
    if adapted and resource.no_derivatives:
        return Verdict(Level.INCOMPATIBLE, f"{resource.label} forbids adaptations: include it unchanged or not at all")
    if resource.non_commercial and course.open and not course.non_commercial:
        return Verdict(
            Level.INCOMPATIBLE,
            f"{resource.label} forbids commercial use, but the course's {course.label} allows it: "
            "license the course NonCommercial or leave the resource out",
        )
    same_terms = (course.share_alike, course.non_commercial, course.no_derivatives) == (
        resource.share_alike, resource.non_commercial, resource.no_derivatives)  # fmt: skip
    if adapted and resource.share_alike and not same_terms:
        return Verdict(
            Level.INCOMPATIBLE,
            f"an adapted {resource.label} resource must be shared under {resource.label}, not {course.label}",
        )
    if resource.share_alike or resource.no_derivatives:
        return Verdict(
            Level.WARNING,
            f"included unchanged, the resource stays under {resource.label}: keep its licence notice with it",
        )
    if resource.attribution:
        return Verdict(Level.OK, "credit the author and link the licence (see the attribution list)")
    return Verdict(Level.OK, "no conditions")
