"""Controlled vocabularies the crosswalks map Mawrid's values into.

Item types go to COAR resource types (those the OpenAIRE v4 schema accepts),
DCMI types, DataCite resourceTypeGeneral and MODS typeOfResource; access to
COAR access rights; ISO 639-1 language codes to ISO 639-3 where OpenAIRE
asks for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from repository.domain import Item


@dataclass(frozen=True)
class TypeTerms:
    coar_uri: str
    coar_label: str
    openaire_general: str  # literature | dataset | software | other research product
    dcmi: str
    datacite: str
    mods: str


_COAR = "http://purl.org/coar/resource_type/"
TYPES: dict[str, TypeTerms] = {
    "article": TypeTerms(_COAR + "c_6501", "journal article", "literature", "Text", "JournalArticle", "text"),
    "journal": TypeTerms(_COAR + "c_0640", "journal", "literature", "Text", "Journal", "text"),
    "journal_issue": TypeTerms(_COAR + "c_0640", "journal", "literature", "Text", "Journal", "text"),
    "book": TypeTerms(_COAR + "c_2f33", "book", "literature", "Text", "Book", "text"),
    "book_chapter": TypeTerms(_COAR + "c_3248", "book part", "literature", "Text", "BookChapter", "text"),
    "thesis": TypeTerms(_COAR + "c_46ec", "thesis", "literature", "Text", "Dissertation", "text"),
    "report": TypeTerms(_COAR + "c_93fc", "report", "literature", "Text", "Report", "text"),
    "course": TypeTerms(
        _COAR + "c_e9a0",
        "interactive resource",
        "other research product",
        "InteractiveResource",
        "InteractiveResource",
        "software, multimedia",
    ),
    "lesson": TypeTerms(
        _COAR + "c_e9a0",
        "interactive resource",
        "other research product",
        "InteractiveResource",
        "InteractiveResource",
        "mixed material",
    ),
    "lecture_slides": TypeTerms(_COAR + "c_8544", "lecture", "literature", "Text", "Presentation", "text"),
    "video": TypeTerms(
        _COAR + "c_12ce", "video", "other research product", "MovingImage", "Audiovisual", "moving image"
    ),
    "audio": TypeTerms(_COAR + "c_18cc", "sound", "other research product", "Sound", "Sound", "sound recording"),
    "image": TypeTerms(_COAR + "c_c513", "image", "other research product", "StillImage", "Image", "still image"),
    "dataset": TypeTerms(_COAR + "c_ddb1", "dataset", "dataset", "Dataset", "Dataset", "software, multimedia"),
    "other": TypeTerms(_COAR + "c_1843", "other", "other research product", "Text", "Other", "mixed material"),
}


def type_terms(item: Item) -> TypeTerms:
    return TYPES.get(item.type, TYPES["other"])


@dataclass(frozen=True)
class AccessRight:
    coar_uri: str
    label: str
    eu_repo: str  # the info:eu-repo/semantics term older aggregators (DRIVER, BASE) read from dc:rights


OPEN = AccessRight("http://purl.org/coar/access_right/c_abf2", "open access", "info:eu-repo/semantics/openAccess")
EMBARGOED = AccessRight(
    "http://purl.org/coar/access_right/c_f1cf", "embargoed access", "info:eu-repo/semantics/embargoedAccess"
)
METADATA_ONLY = AccessRight(
    "http://purl.org/coar/access_right/c_14cb", "metadata only access", "info:eu-repo/semantics/closedAccess"
)


def access_right(item: Item, today: date) -> AccessRight:
    """Only records whose metadata is public are disseminated, so restricted access never arises here."""
    if item.is_embargoed(today):
        return EMBARGOED
    return OPEN if item.originals() else METADATA_ONLY


ISO_639_3 = {
    "ar": "ara",
    "en": "eng",
    "fr": "fra",
    "de": "deu",
    "es": "spa",
    "it": "ita",
    "tr": "tur",
    "fa": "fas",
    "ur": "urd",
    "he": "heb",
    "ru": "rus",
    "zh": "zho",
    "ja": "jpn",
    "pt": "por",
    "nl": "nld",
    "el": "ell",
}


def iso_639_3(language: str) -> str:
    primary = language.split("-")[0].lower()
    return ISO_639_3.get(primary, primary)


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def script_language(text: str) -> str | None:
    """A language tag for text that carries none of its own (names): Arabic script says "ar"."""
    arabic = len(_ARABIC_LETTER.findall(text))
    return "ar" if arabic and arabic >= len(_LATIN_LETTER.findall(text)) else None


def identifier_uri(scheme: str, value: str) -> str | None:
    """A resolvable or URN form of a metadata identifier; None for local ones."""
    value = value.strip()
    if scheme == "doi":
        return "https://doi.org/" + bare_doi(value)
    if scheme == "handle":
        return "https://hdl.handle.net/" + re.sub(r"^(https?://hdl\.handle\.net/|hdl:)", "", value, flags=re.I)
    if scheme in ("isbn", "issn"):
        return f"urn:{scheme}:{value}"
    if scheme == "uri":
        return value
    return None


def bare_doi(value: str) -> str:
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.I)
