"""The metadata database schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Alembic migrations in `migrations/` create and evolve these tables; this
module is what the code queries against. Timestamps are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

communities = Table(
    "communities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_en", Text, nullable=False),
    Column("name_ar", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),  # in English
    Column("description_ar", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False, default=0),
)

collections = Table(
    "collections",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("community_id", String(64), ForeignKey("communities.id"), nullable=False, index=True),
    Column("name_en", Text, nullable=False),
    Column("name_ar", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),  # in English
    Column("description_ar", Text, nullable=False, default=""),
)

items = Table(
    "items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("collection_id", String(64), ForeignKey("collections.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("embargo_until", Date, nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("suggestions", JSON, nullable=False, default=dict),
    Column("created", DateTime, nullable=False),
    Column("datestamp", DateTime, nullable=False),
    # The search index outbox: a record is behind while indexed_version < version.
    Column("version", Integer, nullable=False, default=1),
    Column("indexed_version", Integer, nullable=False, default=0),
    # Set the first time the item is saved published and public; never cleared. Only an item that
    # was once public leaves a tombstone (OAI deleted header, 410) when it goes; others just vanish.
    Column("first_published", DateTime, nullable=True),
    Index("ix_items_datestamp_id", "datestamp", "id"),
)
# The outbox: only items the index lags behind, so the sync loop's poll stays cheap at any size.
_behind = items.c.indexed_version < items.c.version
Index("ix_items_index_outbox", items.c.id, sqlite_where=_behind, postgresql_where=_behind)
# OAI-PMH counts a list (completeListSize) by status and datestamp.
Index("ix_items_status_datestamp", items.c.status, items.c.datestamp)

# One row per (scheme, value) so a duplicate DOI/ISBN/handle is refused by the database itself.
item_identifiers = Table(
    "item_identifiers",
    metadata,
    Column("item_id", String(32), ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("scheme", String(16), nullable=False),
    Column("value", String(512), nullable=False),
    UniqueConstraint("scheme", "value", name="uq_item_identifiers_scheme_value"),
)

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(32), ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("md5", String(32), nullable=False),
    Column("mime", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("key", String(255), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("source_file_id", Integer, ForeignKey("files.id", ondelete="CASCADE"), nullable=True),
    Column("page_count", Integer, nullable=True),
    Column("language", String(16), nullable=True),
    # Per-file extracted details (page offsets of the text, media duration, ...).
    Column("details", JSON, nullable=False, default=dict),
)

versions = Table(
    "versions",
    metadata,
    Column("item_id", String(32), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("actor", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("changes", JSON, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=False, default=""),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created", DateTime, nullable=False),
)

# The collections a submitter may deposit into (librarians and administrators need no grant).
collection_grants = Table(
    "collection_grants",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("collection_id", String(64), ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", Text, nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the secret
    Column("created", DateTime, nullable=False),
    Column("last_used", DateTime, nullable=True),
)

# Signed-in sessions, so they can be revoked: the cookie carries a random id, the table only its
# sha256, so a copy of the database cannot be replayed as cookies.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
)

ingest_jobs = Table(
    "ingest_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, ForeignKey("files.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("item_id", String(32), ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", DateTime, nullable=False),
    Column("lease_until", DateTime, nullable=True),
    Column("worker", String(128), nullable=True),
    Column("error", Text, nullable=True),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Index("ix_ingest_jobs_status_run_after", "status", "run_after"),
)

# A course item's outline and lineage. Editions are separate items linked by previous_edition,
# so an earlier edition keeps its URL and stays citable.
courses = Table(
    "courses",
    metadata,
    Column("item_id", String(32), ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("edition", Integer, nullable=False, default=1),
    Column("outline", JSON, nullable=False),
    Column("previous_edition", String(32), ForeignKey("items.id"), nullable=True),
    Column("adapted_from", String(32), ForeignKey("items.id"), nullable=True),
)
