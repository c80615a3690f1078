"""The one error family of Mawrid.

Each class knows how it looks at every edge: the HTTP status and problem
slug the web layer answers with, and the exit code the `mawrid` command ends
with. Adapters translate library exceptions into these at their boundary, so
callers never catch a boto3 or SQLAlchemy error.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """Text for a person, kept with its English template and values so each edge can say it in the
    reader's language (`web.i18n.say`); elsewhere it is the plain English string."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        message = super().__new__(cls, template % values if values else template)
        message.template, message.values = template, values
        return message


class MawridError(Exception):
    http_status, exit_code, slug = 500, 1, "internal"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(MawridError):
    # 2 stays the CLI's usage error. Restricted items also answer NotFound, so
    # their existence does not leak.
    http_status, exit_code, slug = 404, 3, "not-found"


class Gone(MawridError):
    """A withdrawn or deleted item: it was public once, so its address answers 410 and keeps a
    tombstone, which tells crawlers and citation managers it left for good."""

    http_status, exit_code, slug = 410, 3, "gone"


class InvalidMetadata(MawridError):
    """Metadata that fails the item schema; `errors` maps a field path to its problem."""

    http_status, exit_code, slug = 422, 4, "invalid-metadata"

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}  # the problems are Messages where the schema check made them


class InvalidInput(MawridError):
    """A request argument that is malformed (a bad filename, an unknown status)."""

    http_status, exit_code, slug = 400, 4, "invalid-input"


class Conflict(MawridError):
    http_status, exit_code, slug = 409, 5, "conflict"


class TooLarge(MawridError):
    http_status, exit_code, slug = 413, 6, "too-large"


class Forbidden(MawridError):
    http_status, exit_code, slug = 403, 7, "forbidden"


class Unauthorized(MawridError):
    http_status, exit_code, slug = 401, 7, "unauthorized"


class UnsupportedFormat(MawridError):
    http_status, exit_code, slug = 415, 8, "unsupported-format"


class StoreUnavailable(MawridError):
    http_status, exit_code, slug = 503, 9, "store-unavailable"


class FormatUnavailable(MawridError):
    """An alternative format (audio, braille) this server cannot make: a tool is missing or failed."""

    http_status, exit_code, slug = 503, 9, "format-unavailable"


class DirectoryUnavailable(StoreUnavailable):
    """The university directory (LDAP) cannot be reached or answers with an error; local accounts still work."""

    slug = "directory-unavailable"


class IntegrityError(MawridError):
    """Stored bytes no longer match their recorded digest, or are missing."""

    http_status, exit_code, slug = 500, 10, "integrity"


class TooManyAttempts(MawridError):
    """Sign-in refused for now after repeated failures; `retry_after` is the seconds to wait."""

    http_status, exit_code, slug = 429, 7, "too-many-attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class ExtractionFailed(MawridError):
    """An extraction did not finish: too slow, out of memory, crashed. Worth retrying later."""

    http_status, exit_code, slug = 500, 11, "extraction-failed"


class LimitExceeded(ExtractionFailed):
    """An extraction broke its time or memory limit: the same file would break it again, so no retry."""

    http_status, slug = 422, "limit-exceeded"


class Abandoned(MawridError):
    """An extraction was stopped because its worker asked (shutting down, or its job's lease was lost)."""

    http_status, exit_code, slug = 503, 12, "abandoned"
