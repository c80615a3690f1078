"""The domain model: plain dataclasses, no I/O.

Item metadata is a dict shaped by `schemas/item-metadata.schema.json`
(qualified Dublin Core plus OER/LRMI fields); `repository.metadata` validates
it. Everything here is what services, crosswalks, index documents and pages
share, so it stays free of database and web concerns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

Metadata = dict[str, Any]


class Status(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"  # a tombstone: the row stays so harvesters learn of the deletion


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"  # signed-in staff only


class FileRole(enum.StrEnum):
    ORIGINAL = "original"
    TEXT = "text"  # extracted full text, a derivative
    THUMBNAIL = "thumbnail"
    SEARCHABLE = "searchable"  # a scanned PDF with its OCR'd text laid over the page images, a derivative
    CAPTION = "caption"
    # Alternative formats of a text derivative, made on a reader's first request (repository/reading/).
    EPUB = "epub"
    SPEECH = "speech"
    BRAILLE = "braille"


class Role(enum.StrEnum):
    ADMIN = "admin"
    LIBRARIAN = "librarian"
    SUBMITTER = "submitter"  # faculty: deposits into granted collections, for a librarian to review


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ITEM_TYPES = (
    "article",
    "journal",
    "journal_issue",
    "book",
    "book_chapter",
    "thesis",
    "report",
    "course",
    "lesson",
    "lecture_slides",
    "video",
    "audio",
    "image",
    "dataset",
    "other",
)


def utcnow() -> datetime:
    """Now in UTC at second precision: the granularity of OAI-PMH datestamps."""
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)


@dataclass(frozen=True)
class Actor:
    """Who performs a change; recorded on every version."""

    user_id: int | None
    name: str
    role: Role | None = None

    @property
    def is_staff(self) -> bool:
        """Librarians and administrators: they see restricted items and may change any item."""
        return self.role in (Role.ADMIN, Role.LIBRARIAN)

    @property
    def is_submitter(self) -> bool:
        return self.role is Role.SUBMITTER


SYSTEM = Actor(user_id=None, name="system", role=Role.ADMIN)
ANONYMOUS = Actor(user_id=None, name="anonymous", role=None)


class Bilingual:
    """Names and descriptions kept in English and Arabic, shown in the reader's language."""

    name_en: str
    name_ar: str
    description: str  # in English
    description_ar: str

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en

    def description_in(self, lang: str) -> tuple[str, str]:
        """(text, its language): the reader's language if written, else the other one."""
        first, other = ("ar", "en") if lang == "ar" else ("en", "ar")
        texts = {"en": self.description, "ar": self.description_ar}
        return (texts[first], first) if texts[first] else (texts[other], other)


@dataclass(frozen=True)
class Community(Bilingual):
    id: str  # slug, also the first part of OAI setSpecs
    name_en: str
    name_ar: str
    description: str = ""  # in English
    description_ar: str = ""


@dataclass(frozen=True)
class Collection(Bilingual):
    id: str  # slug, unique within the repository
    community_id: str
    name_en: str
    name_ar: str
    description: str = ""  # in English
    description_ar: str = ""

    @property
    def set_spec(self) -> str:
        return f"{self.community_id}:{self.id}"


@dataclass(frozen=True)
class FileRef:
    id: int
    item_id: str
    name: str  # original filename, validated by `repository.filenames`
    size: int
    sha256: str
    md5: str
    mime: str  # detected from the bytes, never the client's claim
    role: FileRole
    key: str  # object-store key
    created: datetime
    source_file_id: int | None = None  # for derivatives: the original they came from
    page_count: int | None = None
    language: str | None = None
    # Extracted per-file facts: for a text derivative {"page_starts": [char offsets]}, for media
    # {"duration_ms": …}, for a course {"outline": …}.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        """The type to describe and serve the file as, without parameters."""
        mime = (self.mime or "application/octet-stream").partition(";")[0].strip()
        if self.role is FileRole.CAPTION and (self.name.lower().endswith(".vtt") or mime == "text/plain"):
            return "text/vtt"  # libmagic sees a WebVTT file as plain text
        return mime

    @property
    def path(self) -> str:
        """The file's download path on the site: /items/{id}/files/{file_id}/{original name}."""
        return f"/items/{self.item_id}/files/{self.id}/{quote(self.name, safe='')}"


@dataclass
class Item:
    id: str  # stable local identifier: URLs and oai:<host>:<id>
    collection_id: str
    status: Status
    visibility: Visibility
    metadata: Metadata
    datestamp: datetime  # UTC, second precision; moves on every harvester-visible change
    created: datetime
    version: int = 1
    embargo_until: date | None = None
    suggestions: Metadata = field(default_factory=dict)  # what extractors proposed
    files: list[FileRef] = field(default_factory=list)
    first_published: datetime | None = None  # when it first became public; None: never was

    @property
    def was_public(self) -> bool:
        """Whether readers and harvesters ever saw it: only then does its going leave a tombstone."""
        return self.first_published is not None

    @property
    def title(self) -> str:
        titles = self.metadata.get("titles") or [{"value": self.id}]
        return str(titles[0]["value"])

    @property
    def type(self) -> str:
        return str(self.metadata.get("type", "other"))

    def is_embargoed(self, today: date) -> bool:
        return self.embargo_until is not None and self.embargo_until > today

    def is_public(self, today: date) -> bool:
        """Whether anonymous readers may see this item and its files."""
        return self.status is Status.PUBLISHED and self.visibility is Visibility.PUBLIC and not self.is_embargoed(today)

    def metadata_is_public(self, today: date, embargo_hides_metadata: bool = False) -> bool:
        """Whether anonymous readers may see this item's record: an embargo closes only its files,
        unless the repository chose to hide embargoed records altogether (`embargo_hides_metadata`)."""
        listed = self.status is Status.PUBLISHED and self.visibility is Visibility.PUBLIC
        return listed and not (embargo_hides_metadata and self.is_embargoed(today))

    def originals(self) -> list[FileRef]:
        return [f for f in self.files if f.role is FileRole.ORIGINAL]


@dataclass(frozen=True)
class Version:
    item_id: str
    number: int
    actor: str
    at: datetime
    action: str  # deposit, update, publish, withdraw, ...
    changes: dict[str, Any]  # field -> {"old": ..., "new": ...}


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: Role
    active: bool = True

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, name=self.email, role=self.role)


@dataclass(frozen=True)
class IngestJob:
    id: int
    file_id: int
    item_id: str
    status: JobStatus
    attempts: int
    created: datetime
    updated: datetime
    error: str | None = None
    lease_until: datetime | None = None
    worker: str | None = None
