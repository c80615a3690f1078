"""The reader's query syntax, parsed once into a small tree both backends translate.

    library "open access" OR oer -draft title:arabic author:"Ahmad Khalil" subject:media year:2010-2019 educ*

Words must all match (ranked by BM25), "quoted words" match as a phrase,
`OR` joins alternatives (it binds tighter than the implied AND), a leading
`-` excludes, `title:` `author:` `subject:` narrow a word or phrase to one
field, `year:` takes a year or a range (2010-2019, 2010..2019, >2010, <=2015),
and a trailing `*` matches by prefix. A malformed query (an unclosed quote, a
dangling OR, an excluded alternative, a bad year) is never an error: it is
read again as plain words, and `Parsed.fallback` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.analysis import WORD

FIELDS = ("title", "author", "subject")
MIN_PREFIX = 2  # shorter prefixes would expand to most of the dictionary

_FIELD = re.compile(r"(title|author|subject|year):", re.IGNORECASE)
_YEAR = re.compile(r"^(?:(\d{4})|(\d{4})(?:-|\.\.)(\d{4})|(>=?|<=?)(\d{4}))$")


@dataclass(frozen=True)
class Words:
    """A bare word or a quoted phrase; the backend analyses it (a word may yield several terms)."""

    text: str
    field: str | None = None
    phrase: bool = False


@dataclass(frozen=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class YearRange:
    lo: int | None
    hi: int | None


Leaf = Words | Prefix | YearRange


@dataclass(frozen=True)
class Clause:
    options: tuple[Leaf, ...]  # alternatives: any one matches
    negated: bool = False


@dataclass(frozen=True)
class Parsed:
    clauses: tuple[Clause, ...]
    fallback: bool = False  # the text was malformed and read as plain words

    @property
    def positive(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.negated)


class _Malformed(Exception):
    pass


def parse(text: str) -> Parsed:
    """The query tree for `text`; never raises."""
    try:
        return Parsed(_clauses(_lex(text)))
    except _Malformed:
        return plain_words(text)


def plain_words(text: str) -> Parsed:
    """Every word of `text` must match; stray operators are dropped."""
    return Parsed(tuple(Clause((Words(w),)) for w in WORD.findall(text) if w != "OR"), fallback=True)


# A lexed operand: (negated, field, value, quoted); "OR" comes through as the string "OR".
_Operand = tuple[bool, str | None, str, bool]


def _lex(text: str) -> list[_Operand | str]:
    out: list[_Operand | str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace() or text[i] in "()":
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        field = None
        if m := _FIELD.match(text, i):
            field, i = m.group(1).lower(), m.end()
            while i < n and text[i].isspace():  # "title: library" means title:library
                i += 1
            if i >= n:
                raise _Malformed("a field without a value")
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise _Malformed("an unclosed quote")
            out.append((negated, field, text[i + 1 : end], True))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '()"':
            j += 1
        value = text[i:j]
        i = j
        if value == "OR" and not negated and field is None:
            out.append("OR")
        else:
            out.append((negated, field, value, False))
    return out


def _clauses(tokens: list[_Operand | str]) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    i = 0
    while i < len(tokens):
        group = [_operand(tokens[i])]
        i += 1
        while i < len(tokens) and tokens[i] == "OR":
            if i + 1 >= len(tokens):
                raise _Malformed("OR without a right side")
            group.append(_operand(tokens[i + 1]))
            i += 2
        if len(group) > 1 and any(negated for negated, *_ in group):
            raise _Malformed("an excluded alternative")
        clauses.append(Clause(tuple(_leaf(op) for op in group), negated=group[0][0]))
    return tuple(clauses)


def _operand(token: _Operand | str) -> _Operand:
    if isinstance(token, str):
        raise _Malformed("OR without an operand")
    return token


def _leaf(operand: _Operand) -> Leaf:
    _, field, value, quoted = operand
    if field == "year":
        return _year(value)
    if not quoted and value.endswith("*"):
        stem = value.rstrip("*")
        if len(stem) >= MIN_PREFIX and WORD.fullmatch(stem):
            return Prefix(stem, field)
    return Words(value, field, phrase=quoted)


def _year(value: str) -> YearRange:
    m = _YEAR.match(value.strip())
    if not m:
        raise _Malformed(f"not a year or range: {value!r}")
    if m.group(1):
        return YearRange(int(m.group(1)), int(m.group(1)))
    if m.group(2):
        lo, hi = sorted((int(m.group(2)), int(m.group(3))))
        return YearRange(lo, hi)
    op, year = m.group(4), int(m.group(5))
    return {
        ">": YearRange(year + 1, None),
        ">=": YearRange(year, None),
        "<": YearRange(None, year - 1),
        "<=": YearRange(None, year),
    }[op]
