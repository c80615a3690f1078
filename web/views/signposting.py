"""FAIR Signposting (signposting.org/FAIR, level 1): typed links describing an item's landing page.

They go in the landing page's `Link` header; past `MAX_LINKED_FILES` files the header points to a
linkset document (RFC 9264) instead, so headers stay small.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from harvest.crosswalks.citations import doi
from harvest.crosswalks.jsonld import schema_type
from repository.domain import FileRef, Item

MAX_LINKED_FILES = 5
# RFC 3986 reserved characters and "%": left as they are, so a URI that is already valid stays unchanged.
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$", re.ASCII)


def signposts(item: Item, base: str, files: list[FileRef]) -> list[tuple[str, str, str | None]]:
    """(target, rel, type) links describing the landing page, before any truncation."""
    url = f"{base}/items/{item.id}"
    cite_as = f"https://doi.org/{doi(item)}" if doi(item) else url
    links: list[tuple[str, str, str | None]] = [
        (cite_as, "cite-as", None),
        (f"https://schema.org/{schema_type(item)}", "type", None),
        ("https://schema.org/AboutPage", "type", None),
        (f"{url}/cite.bib", "describedby", "application/x-bibtex"),
        (f"{url}/cite.ris", "describedby", "application/x-research-info-systems"),
        (f"{url}/metadata.jsonld", "describedby", "application/ld+json"),
    ]
    links += [
        (f"https://orcid.org/{c['orcid']}", "author", None) for c in item.metadata.get("creators", []) if c.get("orcid")
    ]
    if item.metadata.get("license"):
        links.append((item.metadata["license"]["uri"], "license", None))
    links += [(base + f.path, "item", f.media_type) for f in files]
    return links


def as_uri(iri: str) -> str:
    """An IRI as the URI a header may carry (RFC 3987 §3.1): non-ASCII as UTF-8 percent-escapes.

    Spaces, quotes, angle brackets and control characters (CR and LF among them) are escaped too,
    so metadata such as an Arabic DOI or licence URI can neither break the header nor end it.
    """
    return quote(LONE_PERCENT.sub("%25", iri), safe=URI_SAFE)


def _header_value(target: str, rel: str, media_type: str | None) -> str:
    """One RFC 8288 link-value; the target is always a URI, the type only if it is a plain media type."""
    typed = f'; type="{media_type}"' if media_type and MEDIA_TYPE.match(media_type) else ""
    return f'<{as_uri(target)}>; rel="{rel}"' + typed


def link_header(item: Item, base: str, files: list[FileRef]) -> str:
    links = signposts(item, base, files)
    if len(files) > MAX_LINKED_FILES:
        links = [link for link in links if link[1] != "item"]
        url = f"{base}/items/{item.id}"
        links += [
            (f"{url}/linkset", "linkset", "application/linkset"),
            (f"{url}/linkset.json", "linkset", "application/linkset+json"),
        ]
    return ", ".join(_header_value(*link) for link in links)


def linkset_text(item: Item, base: str, files: list[FileRef]) -> str:
    """RFC 9264 §4.1 application/linkset: link-values with an explicit anchor."""
    anchor = f"{base}/items/{item.id}"
    return (
        ",\n".join(
            _header_value(target, rel, media_type) + f'; anchor="{anchor}"'
            for target, rel, media_type in signposts(item, base, files)
        )
        + "\n"
    )


def linkset_json(item: Item, base: str, files: list[FileRef]) -> dict[str, Any]:
    """RFC 9264 §4.2 application/linkset+json."""
    context: dict[str, Any] = {"anchor": f"{base}/items/{item.id}"}
    for target, rel, media_type in signposts(item, base, files):
        context.setdefault(rel, []).append({"href": target} | ({"type": media_type} if media_type else {}))
    return {"linkset": [context]}
