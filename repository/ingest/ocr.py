"""OCR for PDF pages without a usable text layer: PDFium renders the page, Tesseract reads the picture.

A page is read again only when its own text cannot serve: it has (almost) no
text but draws an image (a scan), or its text is garbled (private-use or
replacement characters, or mostly "words" no language has, as a broken font
encoding or a bad earlier OCR leaves). Pages with good text are never OCR'd.

Tesseract runs as its CLI, one process per page, so it inherits the sandbox
child's memory ceiling, dies with it (PR_SET_PDEATHSIG) and is given only the
time left before the job's limit (`time_budget`). Each page yields its text
(Tesseract's text output is in logical order, also for Arabic) and a
text-only PDF page, invisible glyphs placed over the words, which
`searchable_layers` lays over the original pages: a searchable copy of the
scan, kept as a derivative. That layer stores Arabic in visual order, as it
is drawn: PDFium and poppler read it back in logical order (test_ocr.py
checks PDFium), pypdf reverses it. The index takes the text output, never
the layer. Before reading, a 3-pixel median filter takes scanner specks,
which Tesseract otherwise reads as dots and diacritics.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import ImageFilter

RENDER_DPI = 300
DESPECKLE_DPI = 200  # from here strokes are wide enough that a 3-pixel median filter only takes specks
MIN_SCAN_DPI = 150  # a page image finer than this is read at its own resolution (up to RENDER_DPI)
MAX_PIXELS = 40_000_000  # a poster or map page is read at a lower resolution rather than exhaust memory
MIN_LETTERS = 20  # fewer letters than this on a page that draws an image: a scan
MIN_TOKENS = 5  # too few words to judge a page garbled
SAMPLE_TOKENS = 120  # enough to judge a page: garbling is rarely confined to a page's end (and this is cheap)
NON_WORD_SHARE = 0.5  # more tokens than this share that are no word of any script: garbled
BAD_CHAR_SHARE = 0.1  # private-use and replacement characters
LANGUAGES = {"ar": ("ara", "eng"), "en": ("eng", "ara")}  # the other pages' language first: a scan may differ
DEFAULT_LANGUAGES = ("ara", "eng")
UNAVAILABLE = "OCR unavailable: install tesseract-ocr (with tesseract-ocr-ara and tesseract-ocr-eng)"
PR_SET_PDEATHSIG = 1

_LETTER = re.compile(r"[^\W\d_]")
_BAD_CHAR = re.compile("[\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")  # private use, replacement
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# A word: letters (and marks) of one script, Arabic or Latin, or a number.
_ARABIC_WORD = re.compile(r"^[\u0620-\u065f\u0670-\u06d3\u06fa-\u06ff]+$")
_LATIN_WORD = re.compile(r"^[A-Za-z\u00c0-\u024f]+(?:['’\-][A-Za-z\u00c0-\u024f]+)*$")
_NUMBER = re.compile(r"^[\d\u0660-\u0669\u06f0-\u06f9]+(?:[.,:/\-][\d\u0660-\u0669\u06f0-\u06f9]+)*$")


# --- which pages --------------------------------------------------------------------------------


def unusable_text(text: str, draws_image: Callable[[], bool]) -> str | None:
    """Why a page's (cleaned) text layer cannot serve — "no text" or "garbled" — or None when it can.

    `draws_image` is asked only about pages with next to no text (looking costs a walk of the page)."""
    if _visible(text) >= MIN_LETTERS and is_garbled(text):
        return "garbled"
    if sum(1 for _ in itertools.islice(_LETTER.finditer(text), MIN_LETTERS)) < MIN_LETTERS:
        return "no text" if draws_image() else None
    return None


def is_garbled(text: str) -> bool:
    """Text a reader could not use: many private-use or replacement characters, or mostly non-words."""
    visible = _visible(text)
    if not visible:
        return False
    if len(_BAD_CHAR.findall(text)) / visible > BAD_CHAR_SHARE:
        return True
    share = non_word_share(text)
    return share is not None and share > NON_WORD_SHARE


def _visible(text: str) -> int:
    return len(text) - sum(text.count(space) for space in " \n\t")  # clean_text leaves no other spaces


def non_word_share(text: str) -> float | None:
    """The share of tokens that are no word of any script (None when there are too few to judge)."""
    tokens = [t for t in (_EDGE_PUNCTUATION.sub("", raw) for raw in text.split()[:SAMPLE_TOKENS]) if t]
    if len(tokens) < MIN_TOKENS:
        return None
    return sum(1 for t in tokens if not _is_word(t)) / len(tokens)


def _is_word(token: str) -> bool:
    if _ARABIC_WORD.match(token) or _NUMBER.match(token):
        return True
    if _LATIN_WORD.match(token):
        return sum(1 for ch in token if ch.isascii()) * 2 >= len(token)  # "ÇáÌÇãÚÉ" is Arabic read as Latin-1
    if not token.isalpha():
        return False
    scripts = {unicodedata.name(ch, "?").split(" ", 1)[0] for ch in token}  # GREEK, CYRILLIC, HEBREW, CJK, …
    return len(scripts) == 1 and not scripts & {"LATIN", "ARABIC", "?"}  # those two are judged above


def draws_image(page: pdfium.PdfPage) -> bool:
    return next(_images(page), None) is not None


def scan_dpi(page: pdfium.PdfPage) -> int | None:
    """The resolution of the page's finest image as drawn (pixels per inch on the page), if it draws any."""
    best = None
    for image in _images(page):
        left, _, right, _ = image.get_bounds()
        width_px, _ = image.get_px_size()
        if right - left > 1:
            dpi = round(width_px / ((right - left) / 72))
            best = dpi if best is None else max(best, dpi)
    return best


def _images(page: pdfium.PdfPage) -> Iterator[pdfium.PdfImage]:
    return page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4)  # type: ignore[no-any-return]


# --- the engine -----------------------------------------------------------------------------------


class OcrUnavailable(Exception):
    pass


class OcrFailed(Exception):
    pass


@dataclass(frozen=True)
class OcrPage:
    text: str  # Tesseract's text, logical order, not yet cleaned
    layer: bytes  # a one-page PDF holding only the invisible text, sized like the rendered page
    dpi: int  # the resolution it was read at


class Tesseract:
    """The `tesseract` command. Found on PATH each time it is asked for, so installing it needs no restart."""

    def __init__(self, command: str = "tesseract", dpi: int = RENDER_DPI) -> None:
        self.command = command
        self.dpi = dpi

    def executable(self) -> str | None:
        return shutil.which(self.command)

    def version(self) -> str:
        executable = self.executable()
        return _version(executable) if executable else ""

    def languages_for(self, language: str | None) -> str:
        """The `-l` argument for a document in `language` ("ar", "en", None), from the installed models.

        Raises OcrUnavailable when tesseract, or every model Mawrid reads with, is missing.
        """
        executable = self.executable()
        if executable is None:
            raise OcrUnavailable(UNAVAILABLE)
        installed = _installed_languages(executable)
        chosen = [code for code in LANGUAGES.get(language or "", DEFAULT_LANGUAGES) if code in installed]
        if not chosen:
            chosen = [code for code in DEFAULT_LANGUAGES if code in installed]
        if not chosen:
            raise OcrUnavailable(UNAVAILABLE)
        return "+".join(chosen)

    def read_page(self, page: pdfium.PdfPage, languages: str) -> OcrPage:
        """Render `page` at `dpi` and read it. Raises OcrFailed (too slow, crashed) or OcrUnavailable."""
        executable = self.executable()
        if executable is None:
            raise OcrUnavailable(UNAVAILABLE)
        timeout = _remaining()
        if timeout is not None and timeout <= 0:
            raise OcrFailed("no time left within the job's limit")
        # A scan is read at its own resolution when that is fine enough: resampling it blurs its specks into
        # blots (measured on the test scans: Arabic at 200 dpi went from 42 % to 23 % of characters wrong).
        native = scan_dpi(page)
        dpi = native if native is not None and MIN_SCAN_DPI <= native < self.dpi else self.dpi
        width, height = page.get_size()
        dpi = min(dpi, int((MAX_PIXELS / max(width * height / 72 / 72, 1e-6)) ** 0.5))
        bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
        with tempfile.TemporaryDirectory(prefix="mawrid-ocr-") as tmp:
            picture = os.path.join(tmp, "page.pgm")
            image = bitmap.to_pil()
            if dpi >= DESPECKLE_DPI:  # specks and dust read as dots and diacritics, which Arabic is full of
                image = image.filter(ImageFilter.MedianFilter(3))
            image.save(picture)  # PNM: no compression to spend time on
            bitmap.close()
            out = os.path.join(tmp, "page")
            args = [executable, picture, out, "-l", languages, "--dpi", str(dpi), "-c", "textonly_pdf=1"]
            try:
                done = subprocess.run(
                    [*args, "txt", "pdf"],
                    capture_output=True,
                    timeout=timeout,
                    env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # workers already run one page per core
                    preexec_fn=_die_with_parent,  # safe: the sandbox child is single-threaded
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise OcrFailed("no time left within the job's limit") from exc
            if done.returncode != 0:
                message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise OcrFailed(f"tesseract exited with status {done.returncode}: {message[0]}")
            with open(out + ".txt", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            with open(out + ".pdf", "rb") as fh:
                layer = fh.read()
        return OcrPage(text=text.replace("\f", ""), layer=layer, dpi=dpi)


@cache
def _installed_languages(executable: str) -> frozenset[str]:
    done = subprocess.run([executable, "--list-langs"], capture_output=True, text=True, check=False, timeout=30)
    lines = (done.stdout + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


@cache
def _version(executable: str) -> str:
    done = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False, timeout=30)
    first = (done.stdout or done.stderr).strip().splitlines()[:1]
    return first[0] if first else "tesseract"


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# --- the time budget ------------------------------------------------------------------------------

_deadline: float | None = None


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """OCR within this block stops `seconds` from now (the sandbox passes what is left of the job's limit)."""
    global _deadline
    previous, _deadline = _deadline, time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline = previous


def _remaining() -> float | None:
    return None if _deadline is None else _deadline - time.monotonic()


# --- the searchable copy --------------------------------------------------------------------------


def searchable_layers(original: bytes, layers: dict[int, bytes]) -> bytes:
    """`original` with each OCR'd page's invisible text (page index → layer PDF) laid over it, scaled to
    the page's crop box. Raises ValueError when pypdf cannot rewrite the file."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(original)))
    for index, layer in layers.items():
        page = writer.pages[index]
        overlay = PdfReader(io.BytesIO(layer)).pages[0]
        box, over = page.cropbox, overlay.mediabox
        rotation = page.rotation % 360
        width, height = (box.height, box.width) if rotation in (90, 270) else (box.width, box.height)
        fit = Transformation().scale(float(width) / float(over.width), float(height) / float(over.height))
        # Undo the page's /Rotate, which PDFium applied when it rendered what Tesseract read.
        if rotation == 90:
            fit = fit.rotate(90).translate(float(height), 0)
        elif rotation == 180:
            fit = fit.rotate(180).translate(float(width), float(height))
        elif rotation == 270:
            fit = fit.rotate(270).translate(0, float(width))
        page.merge_transformed_page(overlay, fit.translate(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
