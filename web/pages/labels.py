"""Reader-facing names of codes stored in the data (types, statuses, fields), marked for translation.

`N_` only marks a string for extraction; templates translate it with `_()`
in the reader's language.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from web.i18n import N_

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

ROLES = {"admin": N_("Administrator"), "librarian": N_("Librarian")}

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


def license_label(license_: dict[str, str] | None) -> str | None:
    """A short badge text: "CC BY-SA 4.0" for Creative Commons URIs, else the given label."""
    if not license_:
        return None
    match = _CC.search(license_["uri"])
    if match:
        code = match.group(2).upper()
        return f"CC0 {match.group(3)}" if code == "ZERO" else f"CC {code} {match.group(3)}"
    return license_.get("label") or license_["uri"]


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
