"""The interface language: Arabic or English, chosen per request.

The choice comes from a `?lang=ar|en` in the address (the language versions
that pages announce with `<link rel="alternate" hreflang>`), else the
language switch (remembered in a cookie), else the browser's Accept-Language
on a first visit, else Arabic. Translations are Babel/gettext
catalogs in `web/locale/` (`.po` committed, `.mo` compiled at install); a
missing `.mo` falls back to the untranslated English strings rather than
failing, so a fresh checkout still serves pages.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from repository.errors import Message

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ar", "en")
DEFAULT = "ar"
COOKIE = "mawrid_lang"
QUERY = "lang"  # ?lang=ar or ?lang=en: one language version of a page, whatever the cookie says
RTL_LANGUAGES = {"ar", "fa", "ur", "he", "ps", "ku", "ckb", "yi", "dv", "sd", "ug"}
NAMES = {"ar": "العربية", "en": "English"}


@cache
def translations(lang: str) -> NullTranslations:
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo"
    if lang == "en" or not mo.exists():
        return NullTranslations()
    with mo.open("rb") as fh:
        return GNUTranslations(fh)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def say(lang: str, message: str) -> str:
    """A message in the reader's language: a `Message` by its translated template, other text as it is."""
    if isinstance(message, Message):
        text = gettext(lang, message.template)
        return text % message.values if message.values else text
    return message


def N_(message: str) -> str:  # noqa: N802 - marks a string for extraction; translated where shown
    return message


def direction(lang: str | None) -> str:
    """'rtl' for right-to-left languages, else 'ltr' (a metadata value's own language decides)."""
    return "rtl" if (lang or "").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def negotiate(cookie: str | None, accept_language: str | None, asked: str | None = None) -> str:
    """The interface language: `asked` (the address's ?lang=), the cookie, Accept-Language, Arabic."""
    if asked in LANGUAGES:
        return asked
    if cookie in LANGUAGES:
        return cookie
    for tag in _accepted(accept_language or ""):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def alternates(base_url: str, path: str, query: str) -> list[tuple[str, str]]:
    """(hreflang, URL) of each language version of a page, and x-default: the address that
    follows the reader's own choice (cookie or browser)."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != QUERY]
    bare = base_url.rstrip("/") + path + (f"?{urlencode(kept)}" if kept else "")
    joiner = "&" if kept else "?"
    return [*((code, f"{bare}{joiner}{QUERY}={code}") for code in LANGUAGES), ("x-default", bare)]


def _accepted(header: str) -> list[str]:
    """Language tags of an Accept-Language header, best first (RFC 9110 §12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def show_date(value: date | datetime | str | None, lang: str) -> str:
    """A date for readers: partial ISO dates (YYYY, YYYY-MM) stay as partial as they are."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "medium", locale=lang)
    if isinstance(value, date):
        return format_date(value, "long", locale=lang)
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return format_date(date(int(parts[0]), int(parts[1]), int(parts[2])), "long", locale=lang)
        if len(parts) == 2:
            return format_date(date(int(parts[0]), int(parts[1]), 1), "MMMM y", locale=lang)
    except ValueError:
        pass
    return value


def show_number(value: int, lang: str) -> str:
    return format_decimal(value, locale=lang)


def show_size(size: int, lang: str) -> str:
    units = [gettext(lang, unit) for unit in (N_("bytes"), N_("KB"), N_("MB"), N_("GB"), N_("TB"))]
    amount = float(size)
    for unit in units:
        if amount < 1024 or unit == units[-1]:
            shown = f"{amount:.0f}" if unit == units[0] else format_decimal(round(amount, 1), locale=lang)
            return f"{shown} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")
