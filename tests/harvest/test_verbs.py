"""Argument checks of the six verbs (OAI-PMH 2.0, sections 3.1, 3.3 and 4): pure, no database."""

from __future__ import annotations

from datetime import datetime

import pytest

from harvest.verbs import OaiError, parse_request


def code_of(pairs: list[tuple[str, str]]) -> str:
    with pytest.raises(OaiError) as caught:
        parse_request(pairs)
    return caught.value.code


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("metadataPrefix", "oai_dc")],
        [("verb", "ListItems")],
        [("verb", "identify")],
        [("verb", "")],
        [("verb", "Identify"), ("verb", "Identify")],
    ],
    ids=["missing", "no-verb-but-arguments", "unknown", "wrong-case", "empty", "repeated"],
)
def test_missing_unknown_or_repeated_verb_is_bad_verb(pairs: list[tuple[str, str]]) -> None:
    assert code_of(pairs) == "badVerb"


@pytest.mark.parametrize(
    "pairs",
    [
        [("verb", "Identify"), ("metadataPrefix", "oai_dc")],
        [("verb", "GetRecord"), ("identifier", "oai:x.org:1")],
        [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")],
        [("verb", "ListRecords")],
        [("verb", "ListIdentifiers"), ("set", "media")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "mods")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("colour", "blue")],
        [("verb", "ListRecords"), ("metadataPrefix", "")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai dc")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "abc")],
        [("verb", "ListSets"), ("resumptionToken", "abc"), ("set", "media")],
        [("verb", "ListMetadataFormats"), ("identifier", "a"), ("identifier", "b")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "media::x")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "med ia")],
        [("verb", "ListSets"), ("set", "media")],
    ],
    ids=[
        "argument-the-verb-does-not-take",
        "getrecord-without-prefix",
        "getrecord-without-identifier",
        "listrecords-without-prefix",
        "listidentifiers-without-prefix",
        "repeated-argument",
        "unknown-argument",
        "empty-argument",
        "illegal-prefix",
        "token-with-other-arguments",
        "listsets-token-with-set",
        "repeated-identifier",
        "empty-set-level",
        "illegal-set",
        "listsets-takes-no-set",
    ],
)
def test_argument_problems_are_bad_argument(pairs: list[tuple[str, str]]) -> None:
    assert code_of(pairs) == "badArgument"


@pytest.mark.parametrize(
    "dates",
    [
        {"from": "2024-5-1"},
        {"from": "2024-05-01T10:00Z"},
        {"from": "2024-05-01T10:00:00"},
        {"from": "2024-05-01T10:00:00.5Z"},
        {"from": "2024-05-01T10:00:00+02:00"},
        {"until": "2024-13-01"},
        {"until": "2024-02-30"},
        {"until": "yesterday"},
        {"from": "2024-05-01", "until": "2024-05-02T00:00:00Z"},
        {"from": "2024-05-02", "until": "2024-05-01"},
        {"from": "2024-05-01T10:00:01Z", "until": "2024-05-01T10:00:00Z"},
    ],
    ids=[
        "short-fields",
        "no-seconds",
        "no-zone",
        "finer-than-seconds",
        "offset-zone",
        "month-13",
        "february-30",
        "words",
        "mixed-granularity",
        "from-after-until-days",
        "from-after-until-seconds",
    ],
)
def test_malformed_or_inconsistent_dates_are_bad_argument(dates: dict[str, str]) -> None:
    pairs = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), *dates.items()]
    assert code_of(pairs) == "badArgument"


def test_day_granularity_covers_the_whole_day_and_seconds_are_exact() -> None:
    days = parse_request(
        [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "2024-05-01"), ("until", "2024-05-01")]
    )
    assert days.from_ is not None and days.until is not None
    assert days.from_.first_second == datetime(2024, 5, 1, 0, 0, 0)
    assert days.until.last_second == datetime(2024, 5, 1, 23, 59, 59)
    seconds = parse_request([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "2024-05-01T10:20:30Z")])
    assert seconds.until is not None and seconds.until.last_second == datetime(2024, 5, 1, 10, 20, 30)


def test_valid_request_keeps_every_argument_for_the_echo() -> None:
    pairs = [("verb", "ListRecords"), ("set", "media:journalism"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01")]
    request = parse_request(pairs)
    assert request.arguments == {
        "verb": "ListRecords",
        "set": "media:journalism",
        "metadataPrefix": "oai_dc",
        "from": "2024-01-01",
    }
    assert request.set_spec == "media:journalism" and request.metadata_prefix == "oai_dc"


def test_resumption_token_stands_alone() -> None:
    request = parse_request([("verb", "ListRecords"), ("resumptionToken", "abc.def")])
    assert request.resumption_token == "abc.def" and request.metadata_prefix is None
