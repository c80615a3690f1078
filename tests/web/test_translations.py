"""Every interface string — pages, workspace, labels, validation messages — reads in Arabic."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
# The web layer, and the repository modules whose `Message`s reach readers.
SOURCES = sorted(
    [
        *(WEB / "templates").rglob("*.html"),
        *WEB.rglob("*.py"),
        WEB.parent / "repository" / "metadata.py",
        WEB.parent / "repository" / "reading" / "tools.py",
        *(WEB.parent / "repository" / "services" / name for name in ("collections.py", "deposit.py", "users.py")),
    ]
)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Message": None}


def test_every_interface_string_has_an_arabic_translation() -> None:
    with (WEB / "locale" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for source in SOURCES:
        method = "jinja2.ext:babel_extract" if source.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
        for _, message, _, _ in extract_from_file(method, str(source), keywords=KEYWORDS, options=options):
            key = message[0] if isinstance(message, tuple) else message
            entry = catalog.get(message if isinstance(message, str) else key)
            strings = entry.string if entry is not None else None
            if not strings or (isinstance(strings, tuple) and not all(strings)):
                missing.append(f"{source.name}: {key}")
    assert len(SOURCES) >= 60 and missing == []
