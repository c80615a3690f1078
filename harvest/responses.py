"""The OAI-PMH response envelope (section 3.2): root element, responseDate, request, headers, errors."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from harvest.crosswalks.elements import XSI, XSI_SCHEMA_LOCATION, clean
from harvest.verbs import OaiError, format_datestamp

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


def q(name: str) -> str:
    return f"{{{OAI}}}{name}"


def envelope(response_date: datetime, base_url: str, arguments: dict[str, str]) -> etree._Element:
    root = etree.Element(q("OAI-PMH"), nsmap={None: OAI, "xsi": XSI})
    root.set(XSI_SCHEMA_LOCATION, f"{OAI} {OAI_SCHEMA}")
    etree.SubElement(root, q("responseDate")).text = format_datestamp(response_date)
    request = etree.SubElement(root, q("request"))
    for name, value in arguments.items():
        request.set(name, clean(value))
    request.text = base_url
    return root


def add_errors(root: etree._Element, errors: list[OaiError]) -> None:
    for error in errors:
        element = etree.SubElement(root, q("error"), code=error.code)
        element.text = clean(error.message)


def header(
    parent: etree._Element, identifier: str, datestamp: datetime, set_specs: list[str], deleted: bool
) -> etree._Element:
    element = etree.SubElement(parent, q("header"))
    if deleted:
        element.set("status", "deleted")
    etree.SubElement(element, q("identifier")).text = identifier
    etree.SubElement(element, q("datestamp")).text = format_datestamp(datestamp)
    for spec in set_specs:
        etree.SubElement(element, q("setSpec")).text = spec
    return element


def resumption_token(parent: etree._Element, token: str, cursor: int, total: int, expires: datetime | None) -> None:
    element = etree.SubElement(parent, q("resumptionToken"), cursor=str(cursor), completeListSize=str(total))
    if expires is not None:
        element.set("expirationDate", format_datestamp(expires))
    element.text = token or None


def serialize(root: etree._Element, stylesheet: str | None = None) -> bytes:
    """The document's bytes; `stylesheet` adds an xml-stylesheet instruction (an XSLT for people
    reading the response in a browser; harvesters ignore processing instructions)."""
    if stylesheet is not None:
        root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{stylesheet}"'))
    return bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))
