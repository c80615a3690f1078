"""Parsing untrusted XML (package manifests, OPF, OOXML and ODF parts) with entities and network off.

defusedxml refuses any entity declaration, so neither an external entity
(`SYSTEM "file:///etc/passwd"`, XXE) nor a billion-laughs expansion is ever
resolved; expat never fetches a DTD. A refused or broken document raises
UnsupportedFormat with the reason. Elements are matched by local name
because packages in the wild disagree on namespaces and their versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from repository.errors import UnsupportedFormat


def parse_xml(data: bytes, what: str) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return root
    except DefusedXmlException as exc:
        entity = getattr(exc, "name", None) or getattr(exc, "sysid", None) or type(exc).__name__
        raise UnsupportedFormat(
            f"refused: {what} declares the XML entity {entity!r}; entities are never expanded"
        ) from exc
    except ParseError as exc:
        raise UnsupportedFormat(f"{what} is not well-formed XML ({exc})") from exc


def local(tag: object) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if local(child.tag) == name)


def child(element: Element | None, *path: str) -> Element | None:
    """The first element down a path of local names, or None."""
    for name in path:
        if element is None:
            return None
        element = next(children(element, name), None)
    return element


def descendants(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter() if local(e.tag) == name)


def text_of(element: Element | None) -> str:
    """All the text inside an element, whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())
