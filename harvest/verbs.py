"""The six OAI-PMH verbs and the checks on their arguments (OAI-PMH 2.0, sections 3.1 and 4).

`parse_request` turns the raw arguments of a GET query or a POST form into a
`Request`, or raises `OaiError` with the code the specification gives for
the problem: `badVerb` for a missing, repeated or unknown verb; `badArgument`
for a missing, unknown, repeated or malformed argument, a resumptionToken
mixed with other arguments, a date finer than the repository's granularity,
from and until of different granularity, or from later than until. The other
codes (`badResumptionToken`, `cannotDisseminateFormat`, `idDoesNotExist`,
`noRecordsMatch`) depend on the data and are raised by `harvest.service`.
`noMetadataFormats` and `noSetHierarchy` are part of the vocabulary but never
arise here: every record can be disseminated as oai_dc, and the repository
always has sets (types, `oer`, `openaccess`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

ERROR_CODES = (
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
)


class OaiError(Exception):
    """A protocol error: answered as `<error code="…">` inside an HTTP 200 (section 3.6)."""

    def __init__(self, code: str, message: str) -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def hides_arguments(self) -> bool:
        # Section 3.2: after badVerb or badArgument the request element carries no attributes.
        return self.code in ("badVerb", "badArgument")


@dataclass(frozen=True)
class VerbArguments:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exclusive: str | None = None  # an argument that must come alone (resumptionToken)


VERBS: dict[str, VerbArguments] = {
    "Identify": VerbArguments(),
    "ListMetadataFormats": VerbArguments(optional=("identifier",)),
    "ListSets": VerbArguments(exclusive="resumptionToken"),
    "GetRecord": VerbArguments(required=("identifier", "metadataPrefix")),
    "ListIdentifiers": VerbArguments(
        required=("metadataPrefix",), optional=("from", "until", "set"), exclusive="resumptionToken"
    ),
    "ListRecords": VerbArguments(
        required=("metadataPrefix",), optional=("from", "until", "set"), exclusive="resumptionToken"
    ),
}

# Section 3.3.1: UTCdatetime in ASCII digits only (\d would also take "٢٠٢٤" or full-width digits), and
# \Z rather than $, which would let a trailing newline through.
DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
SECOND = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z\Z")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")  # setSpecType in OAI-PMH.xsd
PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+\Z")  # metadataPrefixType


@dataclass(frozen=True)
class DateBound:
    """A from/until argument; day granularity covers the whole day (section 3.3.1)."""

    text: str
    value: datetime  # the exact instant for seconds, midnight for a day
    is_day: bool

    @property
    def first_second(self) -> datetime:
        return self.value

    @property
    def last_second(self) -> datetime:
        return self.value + timedelta(days=1, seconds=-1) if self.is_day else self.value


@dataclass(frozen=True)
class Request:
    verb: str
    arguments: dict[str, str]  # every argument as given, all valid: echoed in the request element
    identifier: str | None = None
    metadata_prefix: str | None = None
    from_: DateBound | None = None
    until: DateBound | None = None
    set_spec: str | None = None
    resumption_token: str | None = None


def parse_request(pairs: list[tuple[str, str]]) -> Request:
    """Check the arguments of one request; raises OaiError (badVerb or badArgument)."""
    verbs = [value for name, value in pairs if name == "verb"]
    if not verbs:
        raise OaiError("badVerb", "the verb argument is missing")
    if len(verbs) > 1:
        raise OaiError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb")
    spec = VERBS[verb]
    arguments: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name not in spec.required + spec.optional + ((spec.exclusive,) if spec.exclusive else ()):
            raise OaiError("badArgument", f"{verb} does not take the argument {name!r}")
        if name in arguments:
            raise OaiError("badArgument", f"the argument {name!r} is repeated")
        if not value:
            raise OaiError("badArgument", f"the argument {name!r} is empty")
        arguments[name] = value
    if spec.exclusive and spec.exclusive in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", f"{spec.exclusive} must be the only argument besides the verb")
        return Request(verb, {"verb": verb, **arguments}, resumption_token=arguments[spec.exclusive])
    missing = [name for name in spec.required if name not in arguments]
    if missing:
        raise OaiError("badArgument", f"{verb} requires the argument {missing[0]!r}")
    prefix = arguments.get("metadataPrefix")
    if prefix is not None and not PREFIX.match(prefix):
        raise OaiError("badArgument", f"{prefix!r} is not a valid metadataPrefix")
    set_spec = arguments.get("set")
    if set_spec is not None and not SET_SPEC.match(set_spec):
        raise OaiError("badArgument", f"{set_spec!r} is not a valid setSpec")
    from_ = parse_datestamp(arguments["from"], "from") if "from" in arguments else None
    until = parse_datestamp(arguments["until"], "until") if "until" in arguments else None
    if from_ and until:
        if from_.is_day != until.is_day:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if from_.value > until.value:
            raise OaiError("badArgument", "from is later than until")
    return Request(
        verb,
        {"verb": verb, **arguments},
        identifier=arguments.get("identifier"),
        metadata_prefix=prefix,
        from_=from_,
        until=until,
        set_spec=set_spec,
    )


def parse_datestamp(text: str, name: str) -> DateBound:
    """YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC); anything else is badArgument."""
    match = SECOND.match(text) or DAY.match(text)
    if match is None:
        raise OaiError("badArgument", f"{name}={text!r} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")
    parts = [int(part) for part in match.groups()] + [0, 0, 0]  # a day starts at midnight
    try:
        value = datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    except ValueError as exc:
        raise OaiError("badArgument", f"{name}={text!r} is not a valid date: {exc}") from exc
    return DateBound(text, value, is_day=len(match.groups()) == 3)


def format_datestamp(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"  # strftime is several times slower
