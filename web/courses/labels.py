"""Reader-facing names for course codes (levels, contributor roles, licences, verdicts), marked for translation.

Licence verdicts come from `repository.licenses` as English sentences with
licence names in them; `verdict_text` recognises which rule spoke and gives
the same sentence in the reader's language, licence names kept.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from typing import Literal

from babel.dates import format_timedelta

from repository.courses.outline import ResourceKind
from repository.licenses import CATALOGUE, License, license_for
from web import i18n
from web.i18n import N_
from web.views.labels import license_label

LEVELS = {
    "secondary": N_("Secondary education"),
    "undergraduate": N_("Undergraduate"),
    "postgraduate": N_("Postgraduate"),
    "continuing": N_("Continuing education"),
    "professional": N_("Professional development"),
}

CONTRIBUTOR_ROLES = {
    "editor": N_("Editor"),
    "instructional_designer": N_("Instructional designer"),
    "reviewer": N_("Reviewer"),
    "translator": N_("Translator"),
    "illustrator": N_("Illustrator"),
    "narrator": N_("Narrator"),
}

RESOURCE_KINDS = {
    ResourceKind.FILE: N_("Course file"),
    ResourceKind.PACKAGE: N_("Package page"),
    ResourceKind.ITEM: N_("Repository item"),
}

VERDICT_LEVELS = {"ok": N_("Compatible"), "warning": N_("Check before publishing"), "incompatible": N_("Incompatible")}

# Licence names that are words rather than codes.
LICENSE_NAMES = {
    "Public Domain Mark 1.0": N_("Public Domain Mark 1.0"),
    "All rights reserved": N_("All rights reserved"),
    "Other licence": N_("Other licence"),
}

# The sentences of repository.licenses.check_inclusion, as templates: %(resource)s and %(course)s are licence
# names, %(uri)s a licence address.
VERDICT_REASONS = (
    N_("Mawrid cannot check the terms of %(uri)s: confirm they allow this re-use"),
    N_("the resource is all rights reserved: ask the rights holder for permission"),
    N_("%(resource)s forbids adaptations: include it unchanged or not at all"),
    N_(
        "%(resource)s forbids commercial use, but the course's %(course)s allows it: "
        "license the course NonCommercial or leave the resource out"
    ),
    N_("an adapted %(resource)s resource must be shared under %(resource)s, not %(course)s"),
    N_("included unchanged, the resource stays under %(resource)s: keep its licence notice with it"),
    N_("credit the author and link the licence (see the attribution list)"),
    N_("no conditions"),
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts, seen, end = [], set(), 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[end : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("^" + "".join(parts) + "$")


def license_name(lic: License | None, lang: str) -> str:
    if lic is None:
        return ""
    return i18n.gettext(lang, LICENSE_NAMES[lic.label]) if lic.label in LICENSE_NAMES else lic.label


def verdict_text(reason: str, lang: str) -> str:
    """The verdict's sentence in `lang`, first letter capitalised; the English original if no rule matches."""
    for template in VERDICT_REASONS:
        match = _pattern(template).match(reason)
        if match:
            names = {k: i18n.gettext(lang, LICENSE_NAMES[v]) if v in LICENSE_NAMES else v
                     for k, v in match.groupdict().items()}  # fmt: skip
            text = i18n.gettext(lang, template) % names
            return text[:1].upper() + text[1:]
    return reason


def course_licenses() -> list[License]:
    """The licences a course may be given by URI (all rights reserved is the absence of one)."""
    return [lic for lic in CATALOGUE.values() if lic.uri]


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
Unit = Literal["year", "month", "week", "day", "hour", "minute", "second"]
_UNITS: tuple[tuple[Unit, int], ...] = (
    ("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600),
    ("minute", 60), ("second", 1),
)  # fmt: skip


def show_duration(value: str | None, lang: str) -> str:
    """An ISO 8601 duration as readers say it ("PT1H30M" → "1 hour 30 minutes"); other text as it is."""
    match = _DURATION.match(value or "")
    if not match:
        return value or ""
    parts = [
        format_timedelta(timedelta(seconds=int(n) * seconds), granularity=unit, threshold=10**9, locale=lang)
        for n, (unit, seconds) in zip(match.groups(), _UNITS, strict=True)
        if n and int(n)
    ]
    return (" و" if lang == "ar" else " ").join(parts) or value or ""


def template_globals() -> dict[str, object]:
    """What the course templates call, for `templating.env.globals`."""
    return {
        "LEVELS": LEVELS,
        "CONTRIBUTOR_ROLES": CONTRIBUTOR_ROLES,
        "RESOURCE_KINDS": RESOURCE_KINDS,
        "VERDICT_LEVELS": VERDICT_LEVELS,
        "license_name": license_name,
        "license_short": license_label,
        "license_for": license_for,
        "verdict_text": verdict_text,
        "show_duration": show_duration,
    }
