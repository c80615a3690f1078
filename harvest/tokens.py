"""Stateless, signed resumption tokens: a list request and a keyset position (OAI-PMH 2.0, section 3.5).

A ListRecords or ListIdentifiers harvest is read page by page in the order
(position, item id), where a record's *position* is its datestamp as it was
when the harvest began. The token carries everything needed to read the next
page, so the server keeps no state and any server behind a load balancer can
answer it:

- the request: verb, metadataPrefix, set, and the from/until bounds;
- `started`, fixed on the first page (one second before its responseDate):
  the moment the harvest is a snapshot of;
- `after`: the (position, id) of the last record delivered;
- `cursor` (records delivered so far) and `total` (completeListSize,
  counted once on the first page), echoed as the token's attributes;
- `expires`, answered as expirationDate: 24 hours after the first page, for
  the whole harvest (a snapshot should not be held open for days).

Exactly once. Every record that existed when the harvest began and falls in
its window is delivered exactly once, even while records are added, updated
and deleted between pages: a record unchanged since `started` sits at its
datestamp; a record changed since then keeps the position it had at
`started` (the time of its last version at or before `started`) and is
delivered there, in its current state (a deletion as a deleted header) and
with its new datestamp in the header. So a change never moves a record past
the cursor (which would deliver it twice) nor behind it (which would skip
it). Records created after `started` are not part of this harvest; a
harvester that next asks `from` this harvest's first responseDate (the usual
incremental harvest) receives them and every change made during this one.
This rests on versions: `record_change` writes a version at every datestamp
move, with the same time (unless the clock steps backwards, when the
datestamp is held and the two part).

Set membership is read as it is now, so a record that leaves a selective
harvest's set meanwhile is not delivered there; should that empty the last
page, the answer is noRecordsMatch. completeListSize is counted on the first
page and may be off by such records.

The token is signed with HMAC-SHA256 under the installation secret, so a
tampered, truncated or forged token is `badResumptionToken`, as is one past
its expiry or one given to another verb.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from harvest.verbs import OaiError

LIFETIME = timedelta(hours=24)  # long enough for the slowest polite harvester of a large repository
_FORMAT = 1
_MAC_BYTES = 16
_VERB_CODES = {"ListRecords": "R", "ListIdentifiers": "I"}


@dataclass(frozen=True)
class ListPosition:
    verb: str
    metadata_prefix: str
    set_spec: str | None
    lower: datetime | None  # from, inclusive
    upper: datetime | None  # until, inclusive
    started: datetime  # the snapshot instant
    after: tuple[datetime, str] | None  # last (position, item id) delivered
    cursor: int
    total: int
    expires: datetime


def encode(position: ListPosition, secret: str) -> str:
    body = json.dumps(
        [
            _FORMAT,
            _VERB_CODES[position.verb],
            position.metadata_prefix,
            position.set_spec,
            _seconds(position.lower),
            _seconds(position.upper),
            _seconds(position.started),
            _seconds(position.after[0]) if position.after else None,
            position.after[1] if position.after else None,
            position.cursor,
            position.total,
            _seconds(position.expires),
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()
    payload = _b64(body)
    return f"{payload}.{_b64(_mac(payload, secret))}"


def decode(token: str, verb: str, secret: str, now: datetime) -> ListPosition:
    """The position a token carries; raises OaiError(badResumptionToken) if it is forged, stale or foreign."""
    payload, _, mac = token.partition(".")
    try:
        valid = hmac.compare_digest(_unb64(mac), _mac(payload, secret))
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise OaiError("badResumptionToken", "the resumptionToken is not one this repository issued")
    try:
        fields = json.loads(_unb64(payload))
        (fmt, verb_code, prefix, set_spec, lower, upper, started, after_pos, after_id, cursor, total, expires) = fields
        if fmt != _FORMAT:
            raise ValueError(f"token format {fmt}")
        position = ListPosition(
            verb=next(name for name, code in _VERB_CODES.items() if code == verb_code),
            metadata_prefix=str(prefix),
            set_spec=set_spec,
            lower=_instant(lower),
            upper=_instant(upper),
            started=_instant_required(started),
            after=(_instant_required(after_pos), str(after_id)) if after_id is not None else None,
            cursor=int(cursor),
            total=int(total),
            expires=_instant_required(expires),
        )
    except (ValueError, TypeError, StopIteration, OverflowError, OSError) as exc:
        raise OaiError("badResumptionToken", "the resumptionToken is malformed") from exc
    if position.verb != verb:
        raise OaiError("badResumptionToken", f"the resumptionToken belongs to {position.verb}, not {verb}")
    if now > position.expires:
        raise OaiError("badResumptionToken", "the resumptionToken has expired; start the harvest again")
    return position


def _mac(payload: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _seconds(value: datetime | None) -> int | None:
    return None if value is None else int(value.replace(tzinfo=UTC).timestamp())


def _instant(value: object) -> datetime | None:
    return None if value is None else _instant_required(value)


def _instant_required(value: object) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a timestamp")
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
