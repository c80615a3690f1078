"""Reader-facing names of codes stored in the data (types, statuses, fields), marked for translation.

`N_` only marks a string for extraction; templates translate it with `_()`
in the reader's language.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from repository.domain import Collection, Community
from web.i18n import N_, gettext

TYPES = {
    "article": N_("Article"),
    "journal": N_("Journal"),
    "journal_issue": N_("Journal issue"),
    "book": N_("Book"),
    "book_chapter": N_("Book chapter"),
    "thesis": N_("Thesis"),
    "report": N_("Report"),
    "course": N_("Course"),
    "lesson": N_("Lesson"),
    "lecture_slides": N_("Lecture slides"),
    "video": N_("Video"),
    "audio": N_("Audio"),
    "image": N_("Image"),
    "dataset": N_("Dataset"),
    "other": N_("Other"),
}

STATUSES = {
    "draft": N_("Draft"),
    "review": N_("In review"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
    "deleted": N_("Deleted"),
    "public": N_("Public"),
    "restricted": N_("Restricted"),
    "queued": N_("Queued"),
    "running": N_("Running"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}

BROWSE_FIELDS = {
    "title": N_("Title"),
    "author": N_("Author"),
    "subject": N_("Subject"),
    "year": N_("Date issued"),
    "type": N_("Type"),
}

# What a version-history entry did, by the action its service recorded.
HISTORY_ACTIONS = {
    "deposit": N_("Deposited"),
    "update": N_("Metadata edited"),
    "extract": N_("Text and metadata extracted"),
    "add-file": N_("File added"),
    "remove-file": N_("File removed"),
    "restore": N_("Restored from a backup"),
    "outline": N_("Course outline changed"),
    "edition": N_("New edition"),
    "adapt": N_("Adapted from another course"),
    "embargo-lifted": N_("Embargo ended"),
    "submit": N_("Submitted for review"),
    "publish": N_("Published"),
    "withdraw": N_("Withdrawn"),
    "return_to_draft": N_("Returned to draft"),
    "delete": N_("Deleted"),
    "move": N_("Moved to another collection"),
    "move-collection": N_("Its collection moved to another faculty"),
    "restrict": N_("Restricted to staff"),
    "open": N_("Opened to the public"),
    "embargo": N_("Embargo set"),
}

# Names of the fields a version records (item state and metadata), as the edit form calls them.
FIELDS = {
    "created": N_("Created"),
    "collection": N_("Collection"),
    "community": N_("Faculty"),
    "review_note": N_("Note for the depositor"),
    "status": N_("Status"),
    "visibility": N_("Visibility"),
    "embargo_until": N_("Embargo until"),
    "files": N_("Files"),
    "outline": N_("Course outline"),
    "metadata.titles": N_("Title"),
    "metadata.creators": N_("Authors"),
    "metadata.contributors": N_("Contributors"),
    "metadata.subjects": N_("Subjects"),
    "metadata.abstracts": N_("Abstract"),
    "metadata.language": N_("Language"),
    "metadata.date_issued": N_("Date issued"),
    "metadata.publisher": N_("Publisher"),
    "metadata.type": N_("Type"),
    "metadata.identifiers": N_("Identifiers"),
    "metadata.relations": N_("Related items"),
    "metadata.rights": N_("Rights"),
    "metadata.license": N_("Licence"),
    "metadata.journal": N_("Journal"),
    "metadata.oer": N_("Open educational resource"),
}


def field_name(path: str, lang: str) -> str:
    """A metadata field path as the form labels it ("titles.1.value" → "Title (2)"), in the reader's language."""
    first, _, rest = path.partition(".")
    name = FIELDS.get(f"metadata.{first}")
    if name is None:
        return path
    position = rest.split(".")[0]
    shown = gettext(lang, name)
    return f"{shown} ({int(position) + 1})" if position.isdigit() else shown


FILE_ROLES = {
    "original": N_("original"),
    "text": N_("extracted text"),
    "thumbnail": N_("thumbnail"),
    "caption": N_("captions"),
}

ROLES = {"admin": N_("Administrator"), "librarian": N_("Librarian"), "submitter": N_("Submitter")}

RELATIONS = {
    "isPartOf": N_("Is part of"),
    "hasPart": N_("Has part"),
    "isVersionOf": N_("Is a version of"),
    "hasVersion": N_("Has version"),
    "references": N_("References"),
    "isReferencedBy": N_("Is referenced by"),
    "isFormatOf": N_("Is a format of"),
    "hasFormat": N_("Has format"),
    "requires": N_("Requires"),
    "isRequiredBy": N_("Is required by"),
    "isBasedOn": N_("Is based on"),
}

# Licences librarians pick from on the upload form; any other URI may still be entered.
LICENSES = [
    ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0"),
    ("https://creativecommons.org/licenses/by-nc/4.0/", "CC BY-NC 4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0"),
    ("https://creativecommons.org/licenses/by-nd/4.0/", "CC BY-ND 4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
]
_CC = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.I)
# Other licences common in a university's holdings (software, fonts, documentation), by the address
# their stewards publish, with "http", "www." and a trailing "/" or ".html" ignored.
KNOWN_LICENSES = {
    "opensource.org/license/mit": "MIT License",
    "opensource.org/licenses/mit": "MIT License",
    "opensource.org/licenses/mit-license.php": "MIT License",
    "opensource.org/license/bsd-3-clause": "BSD 3-Clause",
    "opensource.org/licenses/bsd-3-clause": "BSD 3-Clause",
    "apache.org/licenses/license-2.0": "Apache 2.0",
    "gnu.org/licenses/gpl-3.0": "GNU GPL 3.0",
    "gnu.org/licenses/old-licenses/gpl-2.0": "GNU GPL 2.0",
    "gnu.org/licenses/lgpl-3.0": "GNU LGPL 3.0",
    "gnu.org/licenses/agpl-3.0": "GNU AGPL 3.0",
    "gnu.org/licenses/fdl-1.3": "GNU FDL 1.3",
    "latex-project.org/lppl/lppl-1-3c": "LPPL 1.3c",
    "openfontlicense.org": "SIL Open Font License 1.1",
    "scripts.sil.org/ofl": "SIL Open Font License 1.1",
}
_ADDRESS = re.compile(r"^(?:https?://)?(?:www\.)?(.*?)(?:\.html?|\.txt)?/*$", re.I)


def license_name(uri: str) -> str | None:
    """The short name of a Creative Commons or other well-known licence ("CC BY-SA 4.0", "MIT License")."""
    match = _CC.search(uri)
    if match:
        code = match.group(2).upper()
        return f"CC0 {match.group(3)}" if code == "ZERO" else f"CC {code} {match.group(3)}"
    return KNOWN_LICENSES.get(_address(uri).lower())


def license_label(license_: dict[str, str] | None) -> str | None:
    """A short badge text: a known licence's name, else the label recorded with the item, else the
    licence's host and path (never a bare URL)."""
    if not license_:
        return None
    uri = license_["uri"]
    return license_name(uri) or license_.get("label") or _address(uri) or uri


def _address(uri: str) -> str:
    """A licence URI without its scheme, "www.", trailing "/" or ".html": how KNOWN_LICENSES names it."""
    match = _ADDRESS.match(uri.strip())
    return match.group(1) if match else ""


def language_name(code: str | None, ui_lang: str) -> str:
    """A language code as the reader's language names it ("ar" → "Arabic" / "العربية")."""
    if not code:
        return ""
    try:
        return str(Locale(ui_lang).languages.get(code.split("-")[0], code))
    except (UnknownLocaleError, ValueError):
        return code


FORMATS = {
    "application/pdf": "PDF",
    "application/epub+zip": "EPUB",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (PPTX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.oasis.opendocument.text": "OpenDocument (ODT)",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument (ODP)",
    "application/zip": "ZIP",
    "text/plain": "Text",
    "text/html": "HTML",
    "text/vtt": "WebVTT",
    "text/markdown": "Markdown",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/svg+xml": "SVG",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "audio/mpeg": "MP3",
    "audio/ogg": "Ogg",
    "audio/webm": "WebM audio",
}


def format_name(mime: str) -> str:
    """A short format name readers know ("PDF", "Word (DOCX)"); the MIME type when there is none."""
    return FORMATS.get(mime.split(";")[0], mime)


def collection_label(collection: Collection, community: Community | None, lang: str) -> str:
    """A collection's name with its faculty's, as lists and facets show it."""
    if community is None:
        return collection.name(lang)
    return f"{collection.name(lang)} — {community.name(lang)}"
