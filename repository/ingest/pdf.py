"""PDF: metadata with pypdf, text and the first-page thumbnail with PDFium (pypdfium2), OCR where pages need it.

Text comes from PDFium because it measured about 8x faster than pypdf on the
same files with better text: on Arabic it keeps word spaces and reading order
where pypdf runs words together (bench/ingest.py measures both every run).
PDFium already turns visual-order presentation forms into logical order; two
repairs remain: NFKC (in `clean_text`) for any presentation form left, and
ligatures — a lam-alef glyph maps to two letters, which PDFium's right-to-left
reordering swaps, so letters sharing one glyph box are put back in order.

Pages without a usable text layer (scans, garbled text) are read by
Tesseract (`ocr.py`); their text takes the page's place, and the original
with the recognised text laid over its pages becomes `searchable_pdf`.
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import datetime
from functools import partial
from typing import Any, BinaryIO

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from repository.errors import UnsupportedFormat
from repository.ingest.images import THUMBNAIL_BOX, preview_of
from repository.ingest.language import clean_text, detect_language, is_arabic_letter
from repository.ingest.ocr import (
    OcrFailed,
    OcrUnavailable,
    Tesseract,
    draws_image,
    non_word_share,
    searchable_layers,
    unusable_text,
)
from repository.ingest.ports import Detection, Extraction, Preview, source_path
from repository.ingest.safexml import child, descendants, local, parse_xml, text_of

PAGE_SEPARATOR = "\n\n"
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
NO_TEXT_CHARS_PER_PAGE = 5  # fewer than this on average: an image-only (scanned) PDF
JUNK_TITLE = re.compile(r"^(untitled|microsoft word - .*|.*\.(docx?|pdf|tex|dvi|rtf|odt|indd))$", re.IGNORECASE)
LAM = "\u0644"

# pypdf logs every repair it makes; damage that matters comes back as a warning on the Extraction.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfExtractor:
    def __init__(self, ocr: Tesseract | None = None) -> None:
        self.ocr = ocr or Tesseract()

    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        result = Extraction(mime=detection.mime, kind=detection.kind)
        reader, encrypted = _open_pypdf(stream, result)
        if encrypted:
            result.details["encrypted"] = True
            result.warnings.append("encrypted: the PDF needs a password to be read, so no text was extracted")
            return result
        if reader is not None:
            result.metadata = pdf_metadata(reader, result.warnings)
        try:
            document = pdfium.PdfDocument(_source(stream))
        except pdfium.PdfiumError as exc:
            result.details["damaged"] = True
            result.warnings.append(f"damaged: the PDF cannot be read ({exc}); the file is kept but needs checking")
            return result
        try:
            layers = _read_text(document, result, self.ocr)
            result.thumbnail = _render_first_page(document, result.warnings)
        finally:
            document.close()
        if layers:
            _keep_searchable_copy(stream, layers, result)
        if "identifiers" not in result.metadata and (doi := DOI.search(result.text[:5000])):
            result.metadata["identifiers"] = [{"scheme": "doi", "value": doi.group(1)}]
        return result


def _source(stream: BinaryIO) -> Any:
    stream.seek(0)
    return source_path(stream) or stream


def _open_pypdf(stream: BinaryIO, result: Extraction) -> tuple[PdfReader | None, bool]:
    """A reader for the metadata (None if pypdf cannot parse the file) and whether a password is needed."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return reader, True
            return reader, False
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        result.warnings.append(f"damaged: the PDF structure is broken ({exc})")
        return None, False
    except NotImplementedError as exc:  # an encryption scheme pypdf does not know
        result.warnings.append(f"encrypted with an unsupported method ({exc})")
        return None, True


# --- metadata ------------------------------------------------------------------------------------


def pdf_metadata(reader: PdfReader, notes: list[str]) -> dict[str, Any]:
    """Title, authors, subject, keywords, date and DOI from the Info dictionary, then XMP."""
    info: dict[str, str] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw: Any = reader.metadata or {}
            for key in ("/Title", "/Author", "/Subject", "/Keywords", "/CreationDate", "/doi"):
                value = raw.get(key)
                if value is not None:
                    info[key] = clean_text(str(value))
            xmp_bytes = _xmp_bytes(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        notes.append(f"damaged: the document information cannot be read ({exc})")
        return {}
    xmp = _parse_xmp(xmp_bytes, notes) if xmp_bytes else {}
    md: dict[str, Any] = {}
    title = info.get("/Title") or xmp.get("title", "")
    if title and not JUNK_TITLE.match(title):
        md["titles"] = [{"value": title}]
    names = split_authors(info["/Author"]) if info.get("/Author") else xmp.get("creators", [])
    if names:
        md["creators"] = [{"name": n} for n in names]
    if description := info.get("/Subject") or xmp.get("description"):
        md["abstracts"] = [{"value": description}]
    keywords = re.split(r"[;,]", info.get("/Keywords", "")) if info.get("/Keywords") else xmp.get("subjects", [])
    if subjects := [k.strip() for k in keywords if k.strip()]:
        md["subjects"] = [{"value": s} for s in subjects]
    if issued := _pdf_date(info.get("/CreationDate")) or xmp.get("date"):
        md["date_issued"] = issued
    doi = next((m.group(1) for v in (info.get("/doi"), xmp.get("doi"), title) if v and (m := DOI.search(v))), None)
    if doi:
        md["identifiers"] = [{"scheme": "doi", "value": doi}]
    return md


def split_authors(value: str) -> list[str]:
    """'A. One; B. Two' or 'Ann One, Bob Two and Cy Three' into names, but 'One, Ann' stays one name."""
    value = value.strip(" ,;")
    if ";" in value:
        return [n.strip() for n in value.split(";") if n.strip()]
    parts = [p.strip() for p in re.split(r",|\band\b|&", value) if p.strip()]
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        return parts
    return [value] if value else []


def _pdf_date(value: str | None) -> str | None:
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", value or "")
    if not match:
        return None
    year, month, day = match.groups()
    try:
        datetime(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return year if 1000 <= int(year) <= 9999 else None
    return "-".join(p for p in (year, month, day) if p)


def _xmp_bytes(reader: PdfReader) -> bytes | None:
    root: Any = reader.trailer["/Root"].get_object()
    metadata = root.get("/Metadata")
    return bytes(metadata.get_object().get_data()) if metadata is not None else None


def _parse_xmp(data: bytes, notes: list[str]) -> dict[str, Any]:
    try:
        root = parse_xml(data.strip(b"\x00 \r\n\t"), "the PDF's XMP metadata")
    except UnsupportedFormat as exc:
        notes.append(f"XMP metadata ignored: {exc.message}")
        return {}
    found: dict[str, Any] = {}

    def values(name: str) -> list[str]:
        for element in descendants(root, name):
            items = [text_of(li) for li in descendants(element, "li")] or [text_of(element)]
            return [v for v in items if v]
        return []

    if title := values("title"):
        found["title"] = clean_text(title[0])
    if creators := values("creator"):
        found["creators"] = [clean_text(c) for c in creators]
    if description := values("description"):
        found["description"] = clean_text(description[0])
    if subjects := values("subject"):
        found["subjects"] = subjects
    for element in root.iter():
        if local(element.tag) in ("doi", "identifier") and (m := DOI.search(text_of(element))):
            found["doi"] = m.group(1)
    created = child(next(descendants(root, "Description"), None), "CreateDate")
    if created is not None:
        found["date"] = _pdf_date(text_of(created).replace("-", ""))
    return found


# --- text and thumbnail --------------------------------------------------------------------------


def page_texts(document: pdfium.PdfDocument) -> list[str]:
    """Each page's text in logical order, cleaned: what Mawrid indexes (bench/ingest.py measures it)."""
    pages: list[str] = []
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            if LAM in text:
                text = _unswap_ligatures(textpage, text)
        finally:
            textpage.close()
            page.close()
        pages.append(clean_text(text))
    return pages


def _read_text(document: pdfium.PdfDocument, result: Extraction, engine: Tesseract) -> dict[int, bytes]:
    """Fill the text and page offsets, OCR'ing the pages that need it; returns their text layers by page index."""
    pages = page_texts(document)
    result.page_count = len(pages)
    layers = _ocr(document, pages, result, engine)
    if not any(pages):
        pages = []
    offset, starts = 0, []
    for text in pages:
        starts.append(offset)
        offset += len(text) + len(PAGE_SEPARATOR)
    result.text = PAGE_SEPARATOR.join(pages)
    result.page_starts = starts
    if (
        not layers
        and "needs_ocr" not in result.details
        and result.page_count
        and len(result.text.strip()) < NO_TEXT_CHARS_PER_PAGE * result.page_count
    ):
        result.details["needs_ocr"] = True  # no image to read either: pages drawn as shapes, or empty
        result.warnings.append("no text layer: the PDF has next to no text, and no page image to OCR")
    return layers


def _ocr(document: pdfium.PdfDocument, pages: list[str], result: Extraction, engine: Tesseract) -> dict[int, bytes]:
    """Replace the text of each page without a usable text layer by what Tesseract reads on it.

    Pages left unread (no tesseract, the time limit, a failure) are listed in
    `details["ocr_pending"]` with `needs_ocr` set, and a warning says why.
    """
    wanted = [i for i, text in enumerate(pages) if unusable_text(text, partial(_draws_image, document, i))]
    if not wanted:
        return {}
    language = detect_language("\n".join(t for i, t in enumerate(pages) if i not in wanted))
    layers: dict[int, bytes] = {}
    resolutions: set[int] = set()
    try:
        languages = engine.languages_for(language)
    except OcrUnavailable as exc:
        _ocr_pending(result, wanted, f"{exc}; {_pages(len(wanted))} without a usable text layer were not read")
        return layers
    for n, index in enumerate(wanted):
        page = document[index]
        try:
            read = engine.read_page(page, languages)
        except (OcrFailed, OcrUnavailable) as exc:
            left = wanted[n:]
            _ocr_pending(result, left, f"OCR stopped at page {index + 1}: {exc}; {_pages(len(left))} not read")
            break
        finally:
            page.close()
        text = clean_text(read.text)
        if _worse(text, pages[index]):
            continue  # a layer judged garbled that OCR cannot better (formulas, a script Tesseract lacks)
        pages[index] = text
        layers[index] = read.layer
        resolutions.add(read.dpi)
    if layers:
        result.details["ocr"] = {
            "pages": [i + 1 for i in layers],
            "languages": languages,
            "engine": engine.version(),
            "dpi": sorted(resolutions),
        }
    return layers


def _worse(recognised: str, layer: str) -> bool:
    """Whether OCR read a page with a text layer no better than the layer (more non-words, or as many)."""
    if not layer:
        return False
    before, after = non_word_share(layer), non_word_share(recognised)
    return before is not None and (after is None or after >= before)


def _draws_image(document: pdfium.PdfDocument, index: int) -> bool:
    page = document[index]
    try:
        return draws_image(page)
    finally:
        page.close()


def _ocr_pending(result: Extraction, indexes: list[int], warning: str) -> None:
    result.details["needs_ocr"] = True  # the hook for a later run: these pages still need reading
    result.details["ocr_pending"] = [i + 1 for i in indexes]
    result.warnings.append(warning)


def _pages(count: int) -> str:
    return f"{count} page" if count == 1 else f"{count} pages"


def _keep_searchable_copy(stream: BinaryIO, layers: dict[int, bytes], result: Extraction) -> None:
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result.searchable_pdf = searchable_layers(stream.read(), layers)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        result.warnings.append(f"no searchable copy: the OCR'd text cannot be laid over this PDF ({exc})")


def _unswap_ligatures(textpage: pdfium.PdfTextPage, text: str) -> str:
    """Reverse runs of Arabic letters that end in lam and share one glyph box (a reversed ligature)."""
    if len(text) != textpage.count_chars():
        return text  # characters outside the BMP shift the indices; leave such pages alone
    chars = list(text)
    for end in range(1, len(chars)):
        if chars[end] != LAM or not is_arabic_letter(chars[end - 1]):
            continue
        box = textpage.get_charbox(end)
        start = end
        while start > 0 and is_arabic_letter(chars[start - 1]) and textpage.get_charbox(start - 1) == box:
            start -= 1
        if start < end:
            chars[start : end + 1] = reversed(chars[start : end + 1])
    return "".join(chars)


def _render_first_page(document: pdfium.PdfDocument, notes: list[str]) -> Preview | None:
    if len(document) == 0:
        return None
    page = document[0]
    try:
        width, height = page.get_size()
        scale = min(THUMBNAIL_BOX[0] / width, THUMBNAIL_BOX[1] / height, 4.0) if width > 0 and height > 0 else 1.0
        image = page.render(scale=scale).to_pil()
    except (pdfium.PdfiumError, ValueError) as exc:
        notes.append(f"no thumbnail: the first page cannot be rendered ({exc})")
        return None
    finally:
        page.close()
    return preview_of(image)
