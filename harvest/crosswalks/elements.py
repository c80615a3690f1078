"""Building the XML of a crosswalk: child elements with XML-safe text and optional attributes."""

from __future__ import annotations

import re

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Characters XML 1.0 cannot carry (control characters from extracted text, lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def root(tag: str, nsmap: dict[str | None, str], schema_location: str) -> etree._Element:
    element = etree.Element(tag, nsmap={**nsmap, "xsi": XSI})
    element.set(XSI_SCHEMA_LOCATION, schema_location)
    return element


def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str | None) -> etree._Element:
    """Append `tag` to `parent`; attributes given as None are left out. `xml_lang` stands for xml:lang."""
    element = etree.SubElement(parent, tag)
    # lxml refuses characters XML cannot carry; they are rare, so a value is cleaned only when refused.
    for name, value in attributes.items():
        if value is not None:
            key = XML_LANG if name == "xml_lang" else name
            try:
                element.set(key, value)
            except ValueError:
                element.set(key, clean(value))
    if text is not None:
        try:
            element.text = text
        except ValueError:
            element.text = clean(text)
    return element
