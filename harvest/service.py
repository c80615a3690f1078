"""The OAI-PMH data provider: answers the six verbs from the metadata database itself.

`OaiProvider.respond` takes the raw request arguments and returns the
response document; protocol errors are part of that document, never
exceptions. List requests read the items table by keyset on
(datestamp, id) — index `ix_items_datestamp_id` — never by OFFSET, so page
1,000 costs what page 1 costs; see `harvest.tokens` for how the pages of one
harvest stay a consistent snapshot while records change.

What a harvester sees of an item: published public items (embargoed ones
too, without their files, unless `embargo_hides_metadata` is set, when they
are deleted headers until the embargo ends) as full records; deleted, withdrawn, restricted
items that were once public (withdrawn-then-reworked drafts too) as headers with status="deleted"
(persistent tombstones); items that were never public (drafts, items restricted from the start), not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from lxml import etree
from sqlalchemy import ColumnElement, Engine, Row, Select, and_, func, null, or_, select
from sqlalchemy.engine import Connection

from harvest import sets, tokens
from harvest.criteria import harvestable_sql
from harvest.crosswalks.context import Context
from harvest.crosswalks.elements import XSI, XSI_SCHEMA_LOCATION, sub
from harvest.crosswalks.oai_dc import DC, dc_root
from harvest.formats import FORMATS, MetadataFormat
from harvest.responses import add_errors, envelope, header, q, resumption_token, serialize
from harvest.verbs import OaiError, Request, format_datestamp, parse_request
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Item, utcnow
from repository.services.versioning import Clock
from repository.settings import Settings

OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"


@dataclass
class OaiProvider:
    engine: Engine
    settings: Settings
    clock: Clock = utcnow
    stylesheet: str | None = None  # the XSLT a browser applies to show responses readably

    @cached_property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    @cached_property
    def namespace(self) -> str:
        """The namespace-identifier of our oai-identifiers: always a domain name (Settings)."""
        return self.settings.resolved_oai_namespace

    def oai_identifier(self, item_id: str) -> str:
        return self.settings.oai_identifier(item_id)

    def respond(self, pairs: list[tuple[str, str]]) -> bytes:
        """The response document for one request's arguments (repeated names kept, in order)."""
        now = self.clock()
        try:
            request = parse_request(pairs)
        except OaiError as error:
            return self.error(error, now)
        root = envelope(now, f"{self.base_url}/oai", request.arguments)
        try:
            root.append(self._answer(request, now))
        except OaiError as error:
            if error.hides_arguments:
                return self.error(error, now)
            add_errors(root, [error])
        return serialize(root, self.stylesheet)

    def error(self, error: OaiError, now: datetime | None = None) -> bytes:
        """A response carrying only an error, with a bare request element (section 3.2)."""
        root = envelope(now or self.clock(), f"{self.base_url}/oai", {})
        add_errors(root, [error])
        return serialize(root, self.stylesheet)

    def _answer(self, request: Request, now: datetime) -> etree._Element:
        if request.verb == "Identify":
            return self._identify()
        if request.verb == "ListMetadataFormats":
            return self._list_metadata_formats(request)
        if request.verb == "ListSets":
            return self._list_sets(request)
        if request.verb == "GetRecord":
            return self._get_record(request, now)
        return self._list(request, now)

    # --- Identify, ListMetadataFormats, ListSets ---------------------------------------------------

    def _identify(self) -> etree._Element:
        with reading(self.engine) as conn:
            earliest = conn.execute(
                select(t.items.c.datestamp).where(harvestable_sql()).order_by(t.items.c.datestamp).limit(1)
            ).scalar()
        element = etree.Element(q("Identify"))
        for name, value in (
            ("repositoryName", self.settings.repository_name),
            ("baseURL", f"{self.base_url}/oai"),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.settings.admin_email),
            ("earliestDatestamp", format_datestamp(earliest or self.clock())),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            etree.SubElement(element, q(name)).text = value
        # Always present: the namespace is a domain name whatever the base URL (Settings.oai_namespace).
        description = etree.SubElement(element, q("description"))
        ident = etree.SubElement(
            description, f"{{{OAI_IDENTIFIER}}}oai-identifier", nsmap={None: OAI_IDENTIFIER, "xsi": XSI}
        )
        ident.set(XSI_SCHEMA_LOCATION, f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}")
        for name, value in (
            ("scheme", "oai"),
            ("repositoryIdentifier", self.namespace),
            ("delimiter", ":"),
            ("sampleIdentifier", self.oai_identifier("3k7m9q2x4z")),
        ):
            etree.SubElement(ident, f"{{{OAI_IDENTIFIER}}}{name}").text = value
        return element

    def _list_metadata_formats(self, request: Request) -> etree._Element:
        formats = list(FORMATS.values())
        if request.identifier is not None:
            with reading(self.engine) as conn:
                item = self._load(conn, request.identifier)
            formats = [f for f in formats if f.can_disseminate(item)]
            if not formats:
                raise OaiError("noMetadataFormats", f"no metadata format is available for {request.identifier}")
        element = etree.Element(q("ListMetadataFormats"))
        for fmt in formats:
            entry = etree.SubElement(element, q("metadataFormat"))
            etree.SubElement(entry, q("metadataPrefix")).text = fmt.prefix
            etree.SubElement(entry, q("schema")).text = fmt.schema
            etree.SubElement(entry, q("metadataNamespace")).text = fmt.namespace
        return element

    def _list_sets(self, request: Request) -> etree._Element:
        if request.resumption_token is not None:
            raise OaiError("badResumptionToken", "ListSets is answered in one response; it issues no tokens")
        with reading(self.engine) as conn:
            found = sets.list_sets(conn)
        element = etree.Element(q("ListSets"))
        for info in found:
            entry = etree.SubElement(element, q("set"))
            etree.SubElement(entry, q("setSpec")).text = info.spec
            etree.SubElement(entry, q("setName")).text = info.name
            dc = dc_root()
            for text, lang in info.titles:
                sub(dc, f"{{{DC}}}title", text, xml_lang=lang)
            if info.description:
                sub(dc, f"{{{DC}}}description", info.description, xml_lang="en")
            etree.SubElement(entry, q("setDescription")).append(dc)
        return element

    # --- GetRecord ---------------------------------------------------------------------------------

    def _get_record(self, request: Request, now: datetime) -> etree._Element:
        assert request.identifier is not None and request.metadata_prefix is not None
        fmt = _format(request.metadata_prefix)
        with reading(self.engine) as conn:
            item = self._load(conn, request.identifier)
            community_of = sets.communities_by_collection(conn)
        if not fmt.can_disseminate(item):
            raise OaiError("cannotDisseminateFormat", f"{request.identifier} is not available as {fmt.prefix}")
        element = etree.Element(q("GetRecord"))
        self._record(element, item, fmt, self._context(now.date()), community_of, with_metadata=True)
        return element

    def _load(self, conn: Connection, identifier: str) -> Item:
        prefix = f"oai:{self.namespace}:"
        item_id = identifier[len(prefix) :] if identifier.startswith(prefix) else None
        row = None
        if item_id:
            row = conn.execute(select(t.items).where(t.items.c.id == item_id, harvestable_sql())).first()
        if row is None:
            raise OaiError("idDoesNotExist", f"{identifier} is not an identifier of this repository")
        return records.load_items(conn, [row])[0]

    # --- ListIdentifiers, ListRecords ---------------------------------------------------------------

    def _list(self, request: Request, now: datetime) -> etree._Element:
        secret = self.settings.secret()
        if request.resumption_token is not None:
            position = tokens.decode(request.resumption_token, request.verb, secret, now)
            fmt = FORMATS.get(position.metadata_prefix)
            if fmt is None:
                raise OaiError("badResumptionToken", f"the format {position.metadata_prefix} is no longer offered")
        else:
            assert request.metadata_prefix is not None
            fmt = _format(request.metadata_prefix)
            position = tokens.ListPosition(
                verb=request.verb,
                metadata_prefix=fmt.prefix,
                set_spec=request.set_spec,
                lower=request.from_.first_second if request.from_ else None,
                upper=request.until.last_second if request.until else None,
                # One second back: a change made later in the current second must count as made
                # after the snapshot, or it could move a delivered record to the end of the list.
                started=now - timedelta(seconds=1),
                after=None,
                cursor=0,
                total=0,
                expires=now + tokens.LIFETIME,
            )
        page_size = self.settings.oai_page_size
        today = now.date()
        with reading(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                # These queries take a millisecond; before the planner has statistics (a fresh bulk
                # import) it may decide to JIT-compile them, which costs far more.
                conn.exec_driver_sql("SET LOCAL jit = off")
            window = _Window(position, _conditions(fmt, position.set_spec, today), conn.dialect.name)
            total = window.count(conn) if position.after is None else position.total
            rows = window.page(conn, page_size + 1)
            if not rows:
                raise OaiError("noRecordsMatch", "no records match the request")
            more = len(rows) > page_size
            rows = rows[:page_size]
            items = records.load_items(conn, rows)
            community_of = sets.communities_by_collection(conn)
        with_metadata = request.verb == "ListRecords"
        element = etree.Element(q(request.verb))
        ctx = self._context(today)
        for item in items:
            self._record(element, item, fmt, ctx, community_of, with_metadata)
        delivered = position.cursor + len(rows)
        total = max(total, delivered + (1 if more else 0))  # the count is from the start; never report less
        if more:
            following = replace(position, after=(rows[-1].pos, rows[-1].id), cursor=delivered, total=total)
            resumption_token(element, tokens.encode(following, secret), position.cursor, total, position.expires)
        elif position.after is not None:  # the last page of several closes the list with an empty token
            resumption_token(element, "", position.cursor, total, None)
        return element

    # --- records -----------------------------------------------------------------------------------

    def _context(self, today: date) -> Context:
        return Context(self.base_url, self.settings.repository_name, today)

    def _record(
        self,
        parent: etree._Element,
        item: Item,
        fmt: MetadataFormat,
        ctx: Context,
        community_of: dict[str, str],
        with_metadata: bool,
    ) -> None:
        visible = item.metadata_is_public(ctx.today, self.settings.embargo_hides_metadata)
        container = etree.SubElement(parent, q("record")) if with_metadata else parent
        header(
            container,
            self.oai_identifier(item.id),
            item.datestamp,
            sets.set_specs(item, community_of, ctx.today),
            deleted=not visible,
        )
        if with_metadata and visible:
            etree.SubElement(container, q("metadata")).append(fmt.crosswalk(item, ctx))


def _format(prefix: str) -> MetadataFormat:
    fmt = FORMATS.get(prefix)
    if fmt is None:
        raise OaiError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format of this repository")
    return fmt


def _conditions(fmt: MetadataFormat, set_spec: str | None, today: date) -> list[ColumnElement[bool]]:
    conditions = [harvestable_sql()]
    if fmt.covers_sql is not None:
        conditions.append(fmt.covers_sql())
    if set_spec is not None:
        conditions.append(sets.set_condition(set_spec, today))
    return conditions


@dataclass(frozen=True)
class _Window:
    """The records of one list request, in (position, id) order from the token's keyset position.

    Two streams make it up (see `harvest.tokens`): records unchanged since the harvest started,
    whose position is their datestamp, and records changed since, whose position is the time of
    their last version at or before the start. Each is one keyset query; the page merges them.
    """

    position: tokens.ListPosition
    conditions: list[ColumnElement[bool]]
    dialect: str

    def page(self, conn: Connection, limit: int) -> list[Row[Any]]:
        steady = self._steady().order_by(t.items.c.datestamp, self._id(t.items.c.id)).limit(limit)
        moved, moved_table = self._moved()
        moved = moved.order_by(moved_table.c.pos, self._id(moved_table.c.id)).limit(limit)
        rows = [*conn.execute(steady), *conn.execute(moved)]
        rows.sort(key=lambda row: (row.pos, row.id))
        return rows[:limit]

    def count(self, conn: Connection) -> int:
        steady = select(func.count()).select_from(self._steady().subquery())
        moved = select(func.count()).select_from(self._moved()[0].subquery())
        return int(conn.execute(steady).scalar_one()) + int(conn.execute(moved).scalar_one())

    def _id(self, column: Any) -> Any:
        # Ids compare by code point, as Python merges the two streams; PostgreSQL would otherwise use
        # the database's locale collation, which in most locales skips the '-' that ids may contain.
        return column.collate("C") if self.dialect == "postgresql" else column

    def _steady(self) -> Select[Any]:
        p, items = self.position, t.items
        upper = min(p.upper, p.started) if p.upper else p.started
        query = select(*_COLUMNS, items.c.datestamp.label("pos")).where(*self.conditions, items.c.datestamp <= upper)
        if p.lower:
            query = query.where(items.c.datestamp >= p.lower)
        if p.after:
            query = query.where(_beyond(items.c.datestamp, self._id(items.c.id), p.after))
        return query

    def _moved(self) -> tuple[Select[Any], Any]:
        p, items, versions = self.position, t.items, t.versions
        position_then = (
            select(func.max(versions.c.at))
            .where(versions.c.item_id == items.c.id, versions.c.at <= p.started)
            .scalar_subquery()
        )
        changed = (
            select(*_COLUMNS, position_then.label("pos"))
            .where(*self.conditions, items.c.datestamp > p.started)
            .subquery("changed")
        )
        query = select(changed).where(changed.c.pos.is_not(None))
        if p.upper:
            query = query.where(changed.c.pos <= p.upper)
        if p.lower:
            query = query.where(changed.c.pos >= p.lower)
        if p.after:
            query = query.where(_beyond(changed.c.pos, self._id(changed.c.id), p.after))
        return query, changed


# Every item column but `suggestions` (what extractors proposed: possibly large, never disseminated).
_COLUMNS = [*(c for c in t.items.c if c.name != "suggestions"), null().label("suggestions")]


def _beyond(position: Any, item_id: Any, after: tuple[datetime, str]) -> ColumnElement[bool]:
    # (position, id) > after, spelled so both SQLite and PostgreSQL start an index range at `position >=`.
    return and_(position >= after[0], or_(position > after[0], item_id > after[1]))
