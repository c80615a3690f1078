"""Cleaning extracted text and telling its language: Arabic, English, or something else.

Every extractor passes its text through `clean_text`, so what is stored and
indexed has ordinary letters (NFKC folds Arabic presentation forms and Latin
ligatures), no control or bidi-override characters and Unix line ends.
Language detection only needs to separate Arabic, English and the rest, which
the script of the letters and a handful of English function words do well,
without a model to ship.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings/overrides/isolates, marks, BOM and soft hyphen (PDFium writes one as U+FFFE): invisible,
# and harmful to matching.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\ufffe")
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[\u064b-\u065f\u0670])")  # PDFs often set a shadda or vowel apart

SAMPLE = 20_000  # characters enough to judge a language
MIN_LETTERS = 20
ENGLISH_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "for",
        "it",
        "as",
        "with",
        "was",
        "on",
        "be",
        "by",
        "are",
        "this",
        "from",
        "or",
        "an",
        "at",
        "which",
        "not",
        "have",
        "has",
        "were",
        "can",
        "will",
        "their",
        "its",
        "but",
        "all",
        "one",
        "these",
        "been",
        "more",
        "also",
        "may",
        "they",
        "than",
        "other",
        "into",
        "such",
    ]
)
_WORD = re.compile(r"[a-z]+")
_LETTER = re.compile(r"[^\W\d_]")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")  # as is_arabic_letter


def clean_text(text: str) -> str:
    """NFKC, no control or bidi characters, single spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROLS.sub("", text)
    text = _SPACE_BEFORE_MARK.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def is_arabic_letter(ch: str) -> bool:
    return "\u0620" <= ch <= "\u064a" or "\u066e" <= ch <= "\u06d3" or "\u06fa" <= ch <= "\u06ff"


def detect_language(text: str) -> str | None:
    """ "ar", "en", "und" (another language), or None when the text is too short to tell."""
    sample = text[:SAMPLE]
    letters = len(_LETTER.findall(sample))
    if letters < MIN_LETTERS:
        return None
    if len(_ARABIC_LETTER.findall(sample)) * 2 >= letters:
        return "ar"
    words = _WORD.findall(sample.lower())
    if words and sum(1 for w in words if w in ENGLISH_WORDS) / len(words) >= 0.08:
        return "en"
    return "und"


def lang_for(value: str, language: str | None) -> dict[str, str]:
    """{"lang": language} when the value's script agrees with it (a French title in an Arabic book gets none)."""
    if language not in ("ar", "en"):
        return {}
    arabic = any(is_arabic_letter(ch) for ch in value)
    return {"lang": language} if arabic == (language == "ar") else {}


def detect_value_language(value: str) -> str | None:
    """The language of one short metadata value (a title, a subject): "ar" when most of its
    letters are Arabic, "en" when it is Latin script with an English function word (or long
    enough for `detect_language` to say so), else None — better no tag than a wrong one."""
    letters = _LETTER.findall(value)
    if not letters:
        return None
    if len(_ARABIC_LETTER.findall(value)) * 2 >= len(letters):
        return "ar"
    found = detect_language(value)
    if found is not None:
        return found if found != "und" else None
    return "en" if any(w in ENGLISH_WORDS for w in _WORD.findall(value.lower())) else None
