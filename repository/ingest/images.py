"""Images: dimensions and embedded EXIF/GPS metadata with Pillow; thumbnails for every kind that has one.

Pillow's decompression-bomb check is made an error: an image declaring more
pixels than `MAX_PIXELS` is refused before it is decoded.
"""

from __future__ import annotations

import io
import warnings
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

from repository.errors import UnsupportedFormat
from repository.ingest.language import clean_text
from repository.ingest.ports import Detection, Extraction, Preview

THUMBNAIL_BOX = (300, 400)  # pixels, width x height
MAX_PIXELS = 120_000_000
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
BASE_TAGS = {271: "exif_make", 272: "exif_model", 305: "exif_software", 306: "exif_datetime"}
EXIF_TAGS = {36867: "exif_datetime_original"}
DESCRIPTION, ARTIST, COPYRIGHT = 270, 315, 33432


def open_image(data: BinaryIO | io.BytesIO) -> Image.Image:
    """Open an image, refusing decompression bombs; raises UnsupportedFormat."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(data)
            image.size  # noqa: B018 - the size check happens on open; touch it for formats that defer
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedFormat(f"refused: the image declares too many pixels ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedFormat(f"the image cannot be read ({exc})") from exc


def preview_of(image: Image.Image) -> Preview:
    """A JPEG fitted into THUMBNAIL_BOX."""
    if image.format == "JPEG":
        image.draft("RGB", THUMBNAIL_BOX)  # decode at a reduced scale: much faster for large photos
    image = image.convert("RGB")
    image.thumbnail(THUMBNAIL_BOX)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, optimize=True)
    return Preview(buffer.getvalue(), "image/jpeg")


def preview_from_bytes(data: bytes, notes: list[str]) -> Preview | None:
    """A thumbnail of an embedded image (an EPUB cover), or None with a note saying why not."""
    try:
        return preview_of(open_image(io.BytesIO(data)))
    except (UnsupportedFormat, OSError, ValueError) as exc:
        notes.append(f"no thumbnail: {getattr(exc, 'message', exc)}")
        return None


class ImageExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        stream.seek(0)
        image = open_image(stream)
        details: dict[str, Any] = {"width": image.width, "height": image.height, "format": image.format}
        md: dict[str, Any] = {"type": "image"}
        try:
            exif = image.getexif()
            details.update(_exif_details(exif))
            md.update(_exif_metadata(exif))
        except (OSError, ValueError, SyntaxError, TypeError, KeyError) as exc:
            details["exif_error"] = str(exc)
        notes: list[str] = []
        try:
            thumbnail: Preview | None = preview_of(image)
        except (OSError, ValueError) as exc:
            thumbnail = None
            notes.append(f"no thumbnail: the image cannot be decoded ({exc})")
        return Extraction(mime=detection.mime, kind=detection.kind, metadata=md, details=details, thumbnail=thumbnail,
                          warnings=notes)  # fmt: skip


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return clean_text(str(value)).strip("\x00 ")


def _exif_details(exif: Image.Exif) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for tag, name in BASE_TAGS.items():
        if exif.get(tag):
            found[name] = _text(exif[tag])
    for tag, name in EXIF_TAGS.items():
        value = exif.get_ifd(EXIF_IFD).get(tag)
        if value:
            found[name] = _text(value)
    gps = exif.get_ifd(GPS_IFD)
    for key, ref, name in ((2, 1, "gps_latitude"), (4, 3, "gps_longitude")):
        if gps.get(key) and len(gps[key]) == 3:
            degrees, minutes, seconds = (float(v) for v in gps[key])
            value = degrees + minutes / 60 + seconds / 3600
            found[name] = round(-value if str(gps.get(ref, "")).upper() in ("S", "W") else value, 7)
    return found


def _exif_metadata(exif: Image.Exif) -> dict[str, Any]:
    md: dict[str, Any] = {}
    if description := _text(exif.get(DESCRIPTION, "")):
        md["titles"] = [{"value": description}]
    if artist := _text(exif.get(ARTIST, "")):
        md["creators"] = [{"name": artist}]
    if rights := _text(exif.get(COPYRIGHT, "")):
        md["rights"] = rights
    taken = _text(exif.get_ifd(EXIF_IFD).get(36867, "") or exif.get(306, ""))
    if len(taken) >= 10 and taken[:4].isdigit():
        md["date_issued"] = taken[:10].replace(":", "-")
    return md
