"""The query syntax, parsed (pure): each element, and malformed input read as plain words."""

from __future__ import annotations

import pytest

from indexer.syntax import Clause, Parsed, Prefix, Words, YearRange, parse


def one(leaf: Words | Prefix | YearRange, negated: bool = False) -> Clause:
    return Clause((leaf,), negated)


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("open access", (one(Words("open")), one(Words("access")))),
        ('"open access" oer', (one(Words("open access", phrase=True)), one(Words("oer")))),
        ("a OR b c", (Clause((Words("a"), Words("b"))), one(Words("c")))),
        ("a OR b OR c", (Clause((Words("a"), Words("b"), Words("c"))),)),
        ("-draft notes", (one(Words("draft"), negated=True), one(Words("notes")))),
        ('-"exact phrase"', (one(Words("exact phrase", phrase=True), negated=True),)),
        ("title:arabic", (one(Words("arabic", "title")),)),
        ("Author:Khalil", (one(Words("Khalil", "author")),)),
        ('author:"Ahmad Khalil"', (one(Words("Ahmad Khalil", "author", phrase=True)),)),
        ("subject: media", (one(Words("media", "subject")),)),
        ("year:2019", (one(YearRange(2019, 2019)),)),
        ("year:2019-2010", (one(YearRange(2010, 2019)),)),
        ("year:2010..2019", (one(YearRange(2010, 2019)),)),
        ("year:>2015", (one(YearRange(2016, None)),)),
        ("year:<=2015", (one(YearRange(None, 2015)),)),
        ("educ*", (one(Prefix("educ")),)),
        ("title:lib*", (one(Prefix("lib", "title")),)),
        ("a*", (one(Words("a*")),)),  # too short a prefix: a plain word
        ("(open) access", (one(Words("open")), one(Words("access")))),
        ("مكتبة OR كتاب", (Clause((Words("مكتبة"), Words("كتاب"))),)),
        ("", ()),
    ],
)
def test_syntax(text: str, clauses: tuple[Clause, ...]) -> None:
    assert parse(text) == Parsed(clauses)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"open access', ["open", "access"]),
        ("a OR", ["a"]),
        ("OR a", ["a"]),
        ("a OR OR b", ["a", "b"]),
        ("a OR -b", ["a", "b"]),
        ("year:abc", ["year", "abc"]),
        ("title:", ["title"]),
        ("year:20199", ["year", "20199"]),
    ],
)
def test_malformed_queries_fall_back_to_plain_words(text: str, words: list[str]) -> None:
    parsed = parse(text)
    assert parsed.fallback
    assert parsed.clauses == tuple(one(Words(w)) for w in words)
