"""Validating OAI-PMH responses offline against the official schemas in `schemas/xsd/`.

`OAI-PMH.xsd` checks the contents of `metadata` and `description` strictly,
so each response is validated by a driver schema importing the envelope and
the payload schemas together — one driver per metadata format, because the
OpenAIRE set brings its own Dublin Core and DataCite schemas (see
`schemas/xsd/README.md`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

XSD = Path(__file__).resolve().parents[2] / "schemas" / "xsd"
PAYLOADS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc/", "oai_dc.xsd"),
    "oai_openaire": ("http://namespace.openaire.eu/schema/oaire/", "openaire4/openaire.xsd"),
    "datacite": ("http://datacite.org/schema/kernel-4", "datacite/kernel-4/metadata.xsd"),
    "mods": ("http://www.loc.gov/mods/v3", "mods-3-8.xsd"),
    "lom": ("http://ltsc.ieee.org/xsd/LOM", "lom/lomLoose.xsd"),
}


class _LocalXml(etree.Resolver):
    """Any `…/xml.xsd` fetched by URL is the local copy: nothing goes to the network."""

    def resolve(self, url, pubid, context):
        if url and url.startswith("http") and url.endswith("/xml.xsd"):
            return self.resolve_filename(str(XSD / "xml.xsd"), context)
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXml())
    return parser


@cache
def schema_for(prefix: str = "oai_dc") -> etree.XMLSchema:
    """The whole-response schema for responses carrying `prefix` records (oai_dc also covers
    Identify, ListSets, errors and headers)."""
    imports = [
        ("http://www.openarchives.org/OAI/2.0/", "OAI-PMH.xsd"),
        ("http://www.openarchives.org/OAI/2.0/oai-identifier", "oai-identifier.xsd"),
    ]
    if prefix != "oai_dc":
        imports.append(PAYLOADS[prefix])
    if prefix not in ("oai_openaire",):
        imports.append(PAYLOADS["oai_dc"])  # setDescription and the oai_dc payload
    body = "".join(f'<xs:import namespace="{ns}" schemaLocation="{(XSD / path).as_uri()}"/>' for ns, path in imports)
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{body}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(driver.encode(), _parser(), base_url=str(XSD) + "/"))


@cache
def payload_schema(prefix: str) -> etree.XMLSchema:
    """The schema of one metadata format on its own, for crosswalk output."""
    return etree.XMLSchema(etree.parse(str(XSD / PAYLOADS[prefix][1]), _parser()))


def assert_valid(document: bytes | etree._Element, prefix: str = "oai_dc") -> etree._Element:
    tree = etree.fromstring(document, etree.XMLParser(no_network=True)) if isinstance(document, bytes) else document
    schema = schema_for(prefix)
    if not schema.validate(tree):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"not valid against the {prefix} schemas:\n{errors}\n{etree.tostring(tree)[:3000]!r}")
    return tree
