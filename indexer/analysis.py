"""Text analysis for search: the same words-to-terms mapping at index time and at query time.

Every word is normalised and then stemmed by its script, so text of unknown
language is analysed both ways at once: Arabic-script words by the Arabic
rules, Latin-script words by the English ones.

- Arabic normalisation (as Lucene's ArabicNormalizer, which Elasticsearch's
  `arabic_normalization` filter runs): tashkeel and tatweel removed, أ إ آ ٱ
  folded to ا, ى to ي, ة to ه; presentation forms decomposed (NFKC) and
  Arabic-Indic digits made ASCII.
- Arabic light stemming as Lucene's ArabicStemmer (Larkey et al.'s light10,
  Elasticsearch's `arabic_stem`): one of the prefixes ال وال بال كال فال لل و,
  then the suffixes ها ان ات ون ين يه ية ه ة ي. It beat Snowball Arabic on our
  conflation set (`bench/search.py` measures both): Snowball leaves وال on
  (والمكتبة ≠ مكتبة) and keeps half of ات (مكتبات → مكتبا).
- English: lowercased, accents folded, Snowball English (Porter2) stemming
  ("libraries" → "librari" ← "library").

The search backends index the output of `analysed()`, a string of terms
separated by spaces, so tantivy (with a whitespace tokenizer) sees exactly
the terms this module made; positions are one per word, so phrases work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer

MAX_WORD = 64  # longer "words" are base64, hashes or garbage: not worth a term

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
# A word is a run of letters, digits and underscores (as Unicode word segmentation keeps snake_case
# together), with the combining marks that sit on them.
WORD = re.compile(rf"[\w{_MARKS}]+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")

_FOLD: dict[int, str | None] = {}
for _lo, _hi in ((0x0300, 0x036F), (0x0610, 0x061A), (0x064B, 0x065F), (0x06D6, 0x06ED)):
    _FOLD.update(dict.fromkeys(range(_lo, _hi + 1)))
_FOLD.update({0x0670: None, 0x0640: None})  # superscript alef, tatweel
_FOLD.update({ord(c): "\u0627" for c in "\u0622\u0623\u0625\u0671"})  # آ أ إ ٱ → ا
_FOLD.update({0x0649: "\u064a", 0x0629: "\u0647"})  # ى → ي, ة → ه
_FOLD.update({0x0660 + d: str(d) for d in range(10)})  # Arabic-Indic digits
_FOLD.update({0x06F0 + d: str(d) for d in range(10)})  # Eastern Arabic-Indic (Persian) digits
_LATIN_EXTRA = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}

_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")

_english = snowballstemmer.stemmer("english")
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 500_000  # distinct surface words; Zipf keeps the hit rate high long before this


def normalize(word: str) -> str:
    """Lowercase and fold one word (or any text) without stemming: what prefix queries compare."""
    if any(ord(c) >= 0xFB50 for c in word):  # presentation forms, full-width letters
        word = unicodedata.normalize("NFKC", word)
    word = word.lower().translate(_FOLD)
    if not word.isascii() and not _ARABIC_LETTER.search(word):
        word = "".join(_LATIN_EXTRA.get(c, c) for c in unicodedata.normalize("NFKD", word))
        word = "".join(c for c in word if not unicodedata.combining(c))
    return word


def arabic_light_stem(word: str) -> str:
    """Lucene's ArabicStemmer on a normalised word: at most one prefix, then each suffix in turn."""
    word = _strip_prefix(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            word = word[: -len(suffix)]
    return word


def _strip_prefix(word: str) -> str:
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) >= (4 if len(prefix) == 1 else len(prefix) + 2):
            return word[len(prefix) :]
    return word


def prefix_term(word: str) -> str:
    """What a prefix query (`word*`) compares with the start of indexed terms.

    Normalised and, for Arabic, stripped of its article or conjunction (المكت* → مكت), since
    indexed terms lost theirs; suffixes are left alone, the reader has not typed them yet.
    """
    norm = normalize(word)
    return _strip_prefix(norm) if _ARABIC_LETTER.search(norm) else norm


def english_stem(word: str) -> str:
    return str(_english.stemWord(word))


def analyse_word(word: str) -> str:
    """The term a surface word is indexed under; "" for a word that folds away to nothing."""
    term = _CACHE.get(word)
    if term is None:
        norm = normalize(word)
        if len(norm) > MAX_WORD:
            term = ""
        elif _ARABIC_LETTER.search(norm):
            term = arabic_light_stem(norm)
        else:
            term = english_stem(norm)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[word] = term
    return term


def terms(text: str) -> list[str]:
    """The analysed terms of a text, one per word, in order."""
    return [term for term in map(analyse_word, WORD.findall(text)) if term]


def analysed(text: str) -> str:
    """Terms joined by whitespace: the form the index stores (a word that folds away leaves only a space)."""
    found = WORD.findall(text)
    try:
        return " ".join(map(_CACHE.__getitem__, found))  # the common case, every word seen before: C speed
    except KeyError:
        return " ".join(map(analyse_word, found))


def word_terms(text: str) -> dict[str, str]:
    """Each distinct word of a text, mapped to its term (for finding which words match a query)."""
    distinct = set(WORD.findall(text))
    found = dict(zip(distinct, map(_CACHE.get, distinct), strict=True))  # C speed when every word is cached
    if None in found.values():
        found = {word: term or analyse_word(word) for word, term in found.items()}
    return found


def finder(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds these exact words, as whole words, in raw text."""
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    return re.compile(rf"(?<![\w{_MARKS}])(?:{alternatives})(?![\w{_MARKS}])")
