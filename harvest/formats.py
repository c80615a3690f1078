"""The metadata formats Mawrid disseminates, and which items each can carry (ListMetadataFormats).

Every item can be disseminated as oai_dc, OpenAIRE v4, DataCite and MODS;
only learning resources as IEEE LOM. A format that covers only some items
states that rule for one item and as SQL (`harvest.criteria`), so that list
requests select exactly the items GetRecord would serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import ColumnElement

from harvest import criteria
from harvest.crosswalks import datacite, lom, mods, oai_dc, openaire
from harvest.crosswalks.context import Context
from repository.domain import Item


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str
    crosswalk: Callable[[Item, Context], etree._Element]
    covers: Callable[[Item], bool] | None = None  # None: every item
    covers_sql: Callable[[], ColumnElement[bool]] | None = None

    def can_disseminate(self, item: Item) -> bool:
        return self.covers is None or self.covers(item)


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat("oai_dc", oai_dc.SCHEMA, oai_dc.NS, oai_dc.to_oai_dc),
        MetadataFormat("oai_openaire", openaire.SCHEMA, openaire.OAIRE, openaire.to_oai_openaire),
        MetadataFormat("datacite", datacite.SCHEMA, datacite.NS, datacite.to_datacite),
        MetadataFormat("mods", mods.SCHEMA, mods.NS, mods.to_mods),
        MetadataFormat(
            "lom", lom.SCHEMA, lom.NS, lom.to_lom, criteria.is_learning_resource, criteria.learning_resource_sql
        ),
    )
}
