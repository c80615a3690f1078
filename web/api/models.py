"""The JSON shapes of the API: what it accepts and how items, files and jobs look in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from repository.domain import FileRef, Item


class FileOut(BaseModel):
    id: int
    name: str
    size: int
    mime: str
    role: str
    sha256: str
    md5: str
    created: datetime
    source_file_id: int | None = None
    page_count: int | None = None
    language: str | None = None
    url: str = Field(description="Download URL (Range requests supported)")

    @classmethod
    def of(cls, ref: FileRef, base: str) -> FileOut:
        return cls(
            id=ref.id,
            name=ref.name,
            size=ref.size,
            mime=ref.mime,
            role=ref.role.value,
            sha256=ref.sha256,
            md5=ref.md5,
            created=ref.created,
            source_file_id=ref.source_file_id,
            page_count=ref.page_count,
            language=ref.language,
            url=base + ref.path,
        )


class ItemOut(BaseModel):
    id: str
    collection: str
    status: str
    visibility: str
    embargo_until: date | None
    metadata: dict[str, Any]
    created: datetime
    datestamp: datetime
    version: int
    url: str = Field(description="The landing page")
    files: list[FileOut] | None = Field(None, description="Absent when the files are not open to the caller")
    suggestions: dict[str, Any] | None = Field(None, description="Extracted suggestions (staff only)")

    @classmethod
    def of(cls, item: Item, base: str, *, files_open: bool, staff: bool) -> ItemOut:
        return cls(
            id=item.id,
            collection=item.collection_id,
            status=item.status.value,
            visibility=item.visibility.value,
            embargo_until=item.embargo_until,
            metadata=item.metadata,
            created=item.created,
            datestamp=item.datestamp,
            version=item.version,
            url=f"{base}/items/{item.id}",
            files=[FileOut.of(f, base) for f in item.files] if files_open else None,
            suggestions=item.suggestions if staff else None,
        )


class ItemList(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int


class ItemIn(BaseModel):
    collection: str
    metadata: dict[str, Any] = Field(description="Item metadata, see schemas/item-metadata.schema.json")
    visibility: str = Field("public", pattern="^(public|restricted)$")
    embargo_until: date | None = None
    id: str | None = Field(None, description="A local identifier to use instead of a generated one")


class ItemPatch(BaseModel):
    metadata: dict[str, Any] | None = None
    visibility: str | None = Field(None, pattern="^(public|restricted)$")
    embargo_until: date | None = None
    lift_embargo: bool = False
    collection: str | None = None


class FileAdded(BaseModel):
    file: FileOut
    job_id: int | None
    job_url: str | None


class JobOut(BaseModel):
    id: int
    file_id: int
    item_id: str
    status: str
    attempts: int
    created: datetime
    updated: datetime
    error: str | None = None
    worker: str | None = None


class CommunityOut(BaseModel):
    id: str
    name_en: str
    name_ar: str
    description: str
    collections: list[str]


class CollectionOut(BaseModel):
    id: str
    community: str
    name_en: str
    name_ar: str
    description: str
    public_items: int


class CommunityIn(BaseModel):
    id: str
    name_en: str
    name_ar: str
    description: str = ""


class CollectionIn(CommunityIn):
    community: str
