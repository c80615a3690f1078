"""Item metadata validation against `schemas/item-metadata.schema.json`.

Every write path (web form, API, CSV import, extracted suggestions) passes
through `validate_metadata`, which reports each failing field by its path so
a librarian sees exactly what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from repository.domain import Metadata
from repository.errors import InvalidMetadata, Message
from repository.ingest.language import detect_value_language

LANG_STRING_FIELDS = ("titles", "subjects", "abstracts")  # the fields whose values carry a "lang"


def with_value_languages(metadata: Metadata) -> Metadata:
    """Metadata whose language-tagged values each say their language: a value without "lang"
    gets the language its text is written in (Arabic, English), when that can be told. An
    explicit "lang" is kept, so a librarian's choice always wins over detection."""
    if not isinstance(metadata, dict):  # validation reports it
        return metadata
    out = dict(metadata)
    for field in LANG_STRING_FIELDS:
        values = metadata.get(field)
        if not isinstance(values, list):
            continue
        tagged = []
        for value in values:
            if isinstance(value, dict) and not value.get("lang") and isinstance(value.get("value"), str):
                found = detect_value_language(value["value"])
                value = {**{k: v for k, v in value.items() if k != "lang"}, **({"lang": found} if found else {})}
            tagged.append(value)
        out[field] = tagged
    return out


# Characters XML 1.0 cannot carry (§2.2 Char): C0 controls other than tab, LF and CR, lone surrogates,
# U+FFFE and U+FFFF. Every record goes out as XML through OAI-PMH, so none may come in.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("schemas").joinpath("item-metadata.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def validate_metadata(metadata: Any) -> Metadata:
    """Return the metadata unchanged if valid; raise InvalidMetadata naming each bad field."""
    if not isinstance(metadata, dict):
        raise InvalidMetadata("metadata must be a JSON object", {"": "not an object"})
    errors: dict[str, str] = {}
    for error in sorted(_validator().iter_errors(metadata), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in error.absolute_path) or _missing_field(error.message)
        errors.setdefault(path, _plain(error))
    for path, text in _strings(metadata, ""):
        if NOT_XML.search(text):
            errors.setdefault(path, Message("contains control characters"))
    if errors:
        listed = "; ".join(f"{field}: {problem}" for field, problem in errors.items())
        raise InvalidMetadata(f"invalid metadata — {listed}", errors)
    return metadata


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _strings(inner, f"{path}.{n}" if path else str(n))


def _missing_field(message: str) -> str:
    # "'titles' is a required property" -> titles
    return message.split("'")[1] if message.startswith("'") else ""


def _plain(error: Any) -> str:
    # Message templates are translated at the edges; keep them few and plain.
    if error.validator == "required":
        return Message("is required")
    if error.validator == "enum":
        return Message("must be one of %(choices)s", choices=", ".join(map(str, error.validator_value)))
    if error.validator == "pattern":
        return Message("has an invalid format (%(value)s)", value=repr(error.instance))
    if error.validator == "additionalProperties":
        return Message("unknown field: %(name)s", name=error.message.split("(")[1].rstrip(")"))
    if error.validator == "minItems":
        return Message("needs at least one value")
    if error.validator in ("minLength", "type") and error.instance in ("", None):
        return Message("is empty")
    if error.validator == "format":
        return Message("is not a valid %(format)s", format=error.validator_value)
    return Message("is not valid: %(detail)s", detail=error.message)


def identifiers_of(metadata: Metadata) -> list[tuple[str, str]]:
    """The (scheme, value) pairs that must be unique across the repository."""
    pairs = []
    for ident in metadata.get("identifiers", []):
        value = ident["value"].strip()
        if ident["scheme"] in ("doi", "handle", "isbn"):
            value = value.lower().replace("-", "") if ident["scheme"] == "isbn" else value.lower()
            pairs.append((ident["scheme"], value))
        elif ident["scheme"] == "local":
            pairs.append((ident["scheme"], value))
    return pairs
