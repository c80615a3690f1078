"""The metadata edit form: metadata → form fields, and a submitted form → metadata.

Repeating fields (titles, creators, subjects, abstracts, identifiers) are
parallel lists of inputs sharing a name (`titles-value`, `titles-lang`, …);
the form always shows one empty row more, so a value can be added without
JavaScript. Fields the form does not show (relations, contributors, the
OER lists) are carried over from the stored metadata unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import FormData

from repository.domain import Metadata
from repository.metadata import with_value_languages

REPEATING = {
    "titles": ("value", "lang"),
    "creators": ("name", "orcid", "affiliation"),
    "subjects": ("value", "lang"),
    "abstracts": ("value", "lang"),
    "identifiers": ("scheme", "value"),
}
SINGLE = ("type", "language", "date_issued", "publisher", "rights")
JOURNAL = ("title", "volume", "issue", "pages")
OER = ("educational_level", "learning_resource_type", "intended_audience", "course_code", "time_required")
# Fields a librarian may take from the extractors' suggestions, in the order the form shows them.
SUGGESTIBLE = (
    "titles",
    "creators",
    "subjects",
    "abstracts",
    "language",
    "date_issued",
    "publisher",
    "type",
    "identifiers",
    "journal",
    "license",
)


def rows(metadata: Metadata, field: str) -> list[dict[str, str]]:
    """The stored rows of a repeating field, plus one empty row for a new value."""
    parts = REPEATING[field]
    stored = [{p: str(v.get(p, "")) for p in parts} for v in metadata.get(field, [])]
    return [*stored, dict.fromkeys(parts, "")]


def metadata_from_form(form: FormData, stored: Metadata) -> Metadata:
    """Build metadata from a submitted form; empty inputs are dropped, not stored as blanks."""
    out: Metadata = {k: v for k, v in stored.items() if k not in (*REPEATING, *SINGLE, "journal", "license")}
    for field, parts in REPEATING.items():
        columns = [form.getlist(f"{field}-{p}") for p in parts]
        values = []
        for cells in zip(*columns, strict=False):
            row = {p: str(c).strip() for p, c in zip(parts, cells, strict=True) if str(c).strip()}
            if row.get(parts[0] if field != "identifiers" else "value"):
                values.append(row)
        if values:
            out[field] = values
    for name in SINGLE:
        value = str(form.get(name, "")).strip()
        if value:
            out[name] = value
    journal = {p: str(form.get(f"journal-{p}", "")).strip() for p in JOURNAL}
    if any(journal.values()):
        out["journal"] = {k: v for k, v in journal.items() if v}
    uri, label = str(form.get("license-uri", "")).strip(), str(form.get("license-label", "")).strip()
    if uri:
        out["license"] = {"uri": uri, **({"label": label} if label else {})}
    oer = {**stored.get("oer", {}), **{p: str(form.get(f"oer-{p}", "")).strip() for p in OER}}
    oer = {k: v for k, v in oer.items() if v}
    if oer:
        out["oer"] = oer
    else:
        out.pop("oer", None)
    return with_value_languages(out)  # an empty language box means "the language the text is in"


def pending_suggestions(metadata: Metadata, suggestions: Metadata) -> dict[str, Any]:
    """The suggested values that differ from what is stored, field by field."""
    return {
        name: suggestions[name]
        for name in SUGGESTIBLE
        if name in suggestions and suggestions[name] not in (None, "", []) and suggestions[name] != metadata.get(name)
    }


def fillable(metadata: Metadata, suggestions: Metadata) -> list[str]:
    """Pending suggestions for fields the librarian has not filled: empty ones, or ones only
    provisionally filled (from the file name), which extraction is meant to replace."""
    provisional = set(suggestions.get("provisional", []))
    return [
        name
        for name in pending_suggestions(metadata, suggestions)
        if metadata.get(name) in (None, "", [], {}) or name in provisional
    ]


def accept(metadata: Metadata, suggestions: Metadata, fields: Sequence[str], *, replace: bool = False) -> Metadata:
    """Metadata with the named suggested fields taken over. Without `replace`, only fields the
    librarian left empty are filled: a suggestion never overwrites what someone typed unless
    they chose to replace that one field."""
    allowed = set(fields) if replace else set(fields) & set(fillable(metadata, suggestions))
    return {**metadata, **{name: suggestions[name] for name in fields if name in suggestions and name in allowed}}
