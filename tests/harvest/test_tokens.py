"""Signed, stateless resumption tokens: what they carry and what they refuse."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

import pytest

from harvest import tokens
from harvest.verbs import OaiError

SECRET = "a-test-secret-that-is-long-enough"
NOW = datetime(2025, 3, 1, 12, 0, 0)
POSITION = tokens.ListPosition(
    verb="ListRecords",
    metadata_prefix="oai_dc",
    set_spec="media:journalism",
    lower=datetime(2024, 1, 1),
    upper=None,
    started=NOW - timedelta(seconds=1),
    after=(datetime(2024, 6, 1, 8, 30, 0), "k3m9q2x4za"),
    cursor=300,
    total=1234,
    expires=NOW + tokens.LIFETIME,
)


def test_a_token_carries_the_request_and_the_keyset_position() -> None:
    token = tokens.encode(POSITION, SECRET)
    assert tokens.decode(token, "ListRecords", SECRET, NOW) == POSITION
    assert len(token) < 200 and all(c.isalnum() or c in "-_." for c in token)  # safe in a URL unescaped


def bad_token_reason(token: str, *, verb: str = "ListRecords", secret: str = SECRET, now: datetime = NOW) -> str:
    with pytest.raises(OaiError) as caught:
        tokens.decode(token, verb, secret, now)
    assert caught.value.code == "badResumptionToken"
    return caught.value.message


def test_a_tampered_token_is_refused() -> None:
    token = tokens.encode(POSITION, SECRET)
    payload, mac = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields[9] = 0  # rewind the cursor
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    assert "not one this repository issued" in bad_token_reason(f"{forged}.{mac}")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert "not one this repository issued" in bad_token_reason(flipped)


@pytest.mark.parametrize("token", ["", ".", "garbage", "a.b.c", "é.ü", "x" * 5000])
def test_garbage_is_refused(token: str) -> None:
    assert bad_token_reason(token) == "the resumptionToken is not one this repository issued"


def test_another_installation_s_token_is_refused() -> None:
    foreign = tokens.encode(POSITION, "another-secret")
    assert bad_token_reason(foreign) == "the resumptionToken is not one this repository issued"
    assert tokens.decode(foreign, "ListRecords", "another-secret", NOW) == POSITION  # good where it was issued


def test_an_expired_token_is_refused_with_a_reason() -> None:
    token = tokens.encode(POSITION, SECRET)
    assert "expired" in bad_token_reason(token, now=POSITION.expires + timedelta(seconds=1))
    assert tokens.decode(token, "ListRecords", SECRET, POSITION.expires) == POSITION


def test_a_token_of_one_verb_is_refused_by_another() -> None:
    assert "ListRecords" in bad_token_reason(tokens.encode(POSITION, SECRET), verb="ListIdentifiers")


def test_a_signed_token_with_a_wrong_shape_is_refused() -> None:
    # Signed by us, yet not a token: e.g. a format from a future release.
    payload = base64.urlsafe_b64encode(json.dumps([2, "R"]).encode()).rstrip(b"=").decode()
    mac = base64.urlsafe_b64encode(tokens._mac(payload, SECRET)).rstrip(b"=").decode()
    assert "malformed" in bad_token_reason(f"{payload}.{mac}")
