"""Files the ingest tests (and bench/ingest.py) build for themselves: PDFs, EPUBs, office files, course packages,
captions, images, sound, and hostile archives and XML.

PDFs are written by fpdf2 with the DejaVu Sans font (Debian's fonts-dejavu-core). Arabic is shaped by
HarfBuzz, as word processors do; `visual_arabic_pdf` instead stores presentation-form characters in visual
order, as older tools and reportlab recipes do — both must extract in logical order.

Scans (`scanned_page`, `image_pdf`) are drawn by Pillow with the same font; Pillow's wheel shapes Arabic
with libraqm (HarfBuzz and FriBiDi), so the picture shows joined letters right to left as print does. The
noise — blur, specks, drop-outs and a slight skew — comes from a seeded generator, so a test sees the
same page every run.
"""

from __future__ import annotations

import io
import random
import stat
import struct
import wave
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from html import escape
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

ARABIC_LINES = [
    "مكتبة الجامعة المفتوحة تخدم الطلاب في فلسطين",
    "البحث العلمي ومصادر التعلم المفتوحة",
]
ENGLISH_LINES = ["Open educational resources for distance learning.", "Libraries serve every branch of the university."]


# --- PDF -------------------------------------------------------------------------------------------


def pdf(
    pages: Sequence[Sequence[str]],
    *,
    title: str = "",
    author: str = "",
    subject: str = "",
    keywords: str = "",
    created: datetime | None = None,
) -> bytes:
    """A PDF with one text line per entry, Arabic shaped and right-aligned, and an Info dictionary."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_font("dejavu", fname=str(FONT))
    doc.set_font("dejavu", size=13)
    doc.set_text_shaping(True)
    doc.set_creation_date(created or datetime(2024, 3, 1, tzinfo=UTC))
    for key, value in (("title", title), ("author", author), ("subject", subject), ("keywords", keywords)):
        if value:
            getattr(doc, f"set_{key}")(value)
    for lines in pages:
        doc.add_page()
        for line in lines:
            arabic = any("\u0600" <= ch <= "\u06ff" for ch in line)
            doc.cell(w=0, h=9, text=line, align="R" if arabic else "L", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


@cache
def stream_bomb_pdf(megabytes: int = 1024) -> bytes:
    """A one-page PDF of a few MB whose content stream inflates to `megabytes` of drawing operators."""
    import zlib

    deflate, chunk = zlib.compressobj(1), b"0 0 m 1 1 l S\n" * 4096
    parts = [deflate.compress(chunk) for _ in range(megabytes * 1024 * 1024 // len(chunk))]
    data = b"".join(parts) + deflate.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def visual_arabic_pdf(lines: Sequence[str]) -> bytes:
    """Arabic stored as presentation forms in visual (left-to-right drawing) order."""
    import uharfbuzz as hb
    from fpdf import FPDF

    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(FONT))))
    glyph_char, order = _presentation_forms()
    doc = FPDF()
    doc.add_font("dejavu", fname=str(FONT))
    doc.set_font("dejavu", size=13)
    doc.add_page()
    for line in lines:
        buf = hb.Buffer()
        buf.add_str(line)
        buf.guess_segment_properties()
        hb.shape(font, buf, {})
        visual = "".join(glyph_char[order[info.codepoint]] for info in buf.glyph_infos)
        doc.cell(w=0, h=9, text=visual, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


@cache
def _presentation_forms() -> tuple[dict[str, str], list[str]]:
    from fontTools.ttLib import TTFont

    tt = TTFont(str(FONT))
    glyph_char: dict[str, str] = {}
    for codepoint, glyph in sorted(tt.getBestCmap().items(), reverse=True):  # prefer presentation forms
        glyph_char.setdefault(glyph, chr(codepoint))
    return glyph_char, tt.getGlyphOrder()


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages holding only a picture: no text layer."""
    from fpdf import FPDF

    doc = FPDF()
    picture = io.BytesIO()
    Image.new("RGB", (200, 260), (235, 235, 225)).save(picture, "PNG")
    for _ in range(pages):
        doc.add_page()
        doc.image(io.BytesIO(picture.getvalue()), x=10, y=10, w=180)
    return bytes(doc.output())


# Scans for OCR: a few lines of print, as a journal page would hold.
SCAN_ARABIC = [
    "مكتبة الجامعة المفتوحة تخدم الطلاب في فلسطين",
    "البحث العلمي ومصادر التعلم المفتوحة للجميع",
    "تنشر الكلية مجلة علمية محكمة كل عام",
    "يقرأ الباحثون المقالات في الأرشيف الرقمي",
    "تضم المكتبة كتبا ورسائل جامعية ومقررات",
    "التعليم عن بعد يصل إلى كل فرع من فروع الجامعة",
]
SCAN_ENGLISH = [
    "Open educational resources for distance learning.",
    "Libraries serve every branch of the university.",
    "The faculty publishes a reviewed journal each year.",
    "Researchers read scanned articles in the digital archive.",
    "The collection holds books, theses and course packages.",
    "Students search the full text in Arabic and English.",
]
SCAN_SIZE_INCHES = (8.27, 5.0)  # A4 wide, shorter: the few lines and less to read keep the tests quick


def scanned_page(lines: Sequence[str], *, dpi: int = 300, noise: bool = True, seed: int = 14) -> Image.Image:
    """A grey picture of `lines` in 14 pt print at `dpi`, Arabic right-aligned, as a scanner would give it."""
    size = (round(SCAN_SIZE_INCHES[0] * dpi), round(SCAN_SIZE_INCHES[1] * dpi))
    picture = Image.new("L", size, 255)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(FONT), round(14 * dpi / 72))
    margin, y = round(0.8 * dpi), round(0.8 * dpi)
    for line in lines:
        if any("\u0600" <= ch <= "\u06ff" for ch in line):
            draw.text((size[0] - margin, y), line, font=font, fill=0, anchor="ra", direction="rtl", language="ar")
        else:
            draw.text((margin, y), line, font=font, fill=0, anchor="la")
        y += round(0.36 * dpi)
    if not noise:
        return picture
    rng = random.Random(seed)
    picture = picture.rotate(0.4, resample=Image.Resampling.BICUBIC, fillcolor=255)
    picture = picture.filter(ImageFilter.GaussianBlur(dpi / 400))
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    specks = grain.point(lambda v: 0 if v < 1 else 255)  # 0.4 % of the pixels: dark specks
    dropouts = grain.point(lambda v: 255 if v > 254 else 0)  # and as many light ones
    return ImageChops.lighter(ImageChops.darker(picture, specks), dropouts)


def image_pdf(pictures: Sequence[Image.Image], dpi: int) -> bytes:
    """An image-only PDF, one picture a page at `dpi` (Pillow writes it: no text layer at all)."""
    out = io.BytesIO()
    first, *rest = [p.convert("L") for p in pictures]
    first.save(out, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return out.getvalue()


def join_pdfs(*documents: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scan_with_garbled_layer(lines: Sequence[str], garbage: str, dpi: int = 300) -> bytes:
    """A scanned page over which an earlier tool laid an invisible, wrong text layer."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    picture = io.BytesIO()
    scanned_page(lines, dpi=dpi).save(picture, "PNG")
    doc = FPDF(unit="in", format=SCAN_SIZE_INCHES)
    doc.add_font("dejavu", fname=str(FONT))
    doc.set_font("dejavu", size=13)
    doc.add_page()
    doc.image(picture, x=0, y=0, w=SCAN_SIZE_INCHES[0], h=SCAN_SIZE_INCHES[1])
    doc.text_mode = TextMode.INVISIBLE
    doc.set_xy(0.8, 0.8)
    doc.multi_cell(w=6.5, h=0.36, text=garbage)
    return bytes(doc.output())


def encrypted_pdf(data: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:  # noqa: S107
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- zip containers -----------------------------------------------------------------------------


def zip_bytes(entries: Sequence[tuple[str | zipfile.ZipInfo, bytes | str]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, data) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and n == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return out.getvalue()


def xhtml(title: str, body: str, lang: str = "en") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{lang}"><head><title>{escape(title)}</title></head>'
        f"<body>{body}</body></html>"
    )


def epub(
    *,
    version: str = "3.0",
    title: str,
    creators: Sequence[str] = (),
    language: str = "en",
    chapters: Sequence[tuple[str, str]] = (),
    cover: bytes | None = None,
    isbn: str | None = None,
) -> bytes:
    """An EPUB whose spine lists `chapters` (id, body HTML) in the given order; the manifest lists them reversed."""
    items, refs = [], []
    files: list[tuple[str, bytes | str]] = []
    for cid, body in chapters:
        items.append(f'<item id="{cid}" href="text/{cid}.xhtml" media-type="application/xhtml+xml"/>')
        refs.append(f'<itemref idref="{cid}"/>')
        files.append((f"OEBPS/text/{cid}.xhtml", xhtml(cid, body, language)))
    meta = [f"<dc:title>{escape(title)}</dc:title>", f"<dc:language>{language}</dc:language>"]
    meta += [f"<dc:creator>{escape(c)}</dc:creator>" for c in creators]
    if isbn:
        meta.append(f'<dc:identifier id="isbn">urn:isbn:{isbn}</dc:identifier>')
    if cover is not None:
        properties = ' properties="cover-image"' if version.startswith("3") else ""
        items.append(f'<item id="cover-img" href="images/cover.png" media-type="image/png"{properties}/>')
        if not version.startswith("3"):
            meta.append('<meta name="cover" content="cover-img"/>')
        files.append(("OEBPS/images/cover.png", cover))
    opf = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="{version}" '
        'unique-identifier="isbn"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + "".join(meta)
        + "</metadata><manifest>"
        + "".join(reversed(items))
        + "</manifest><spine>"
        + "".join(refs)
        + "</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    return zip_bytes(
        [("mimetype", "application/epub+zip"), ("META-INF/container.xml", container), ("OEBPS/content.opf", opf)]
        + files,
        stored_first=True,
    )


CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
    "<dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><cp:keywords>{keywords}</cp:keywords>"
    "</cp:coreProperties>"
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def docx(title: str, creator: str, paragraphs: Sequence[Sequence[str]], keywords: str = "") -> bytes:
    """Each paragraph is a list of runs."""
    body = "".join(
        "<w:p>" + "".join(f"<w:r><w:t xml:space='preserve'>{escape(run)}</w:t></w:r>" for run in runs) + "</w:p>"
        for runs in paragraphs
    )
    document = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("word/document.xml", document),
        ("docProps/core.xml", CORE_XML.format(title=escape(title), creator=escape(creator), keywords=escape(keywords))),
    ])  # fmt: skip


def xlsx(strings: Sequence[str]) -> bytes:
    shared = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}"/>'),
        ("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{main}">{shared}</sst>'),
    ])  # fmt: skip


def pptx(title: str, slides: Sequence[Sequence[str]]) -> bytes:
    """Slides in presentation order; their part names are numbered in reverse, so order must come from sldIdLst."""
    count = len(slides)
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId{n + 1}"/>' for n in range(count))
    presentation = (
        f'<?xml version="1.0"?><p:presentation xmlns:p="{P}" xmlns:r="{R}">'
        f"<p:sldIdLst>{ids}</p:sldIdLst></p:presentation>"
    )
    rels = "".join(
        f'<Relationship Id="rId{n + 1}" Type="{R}/slide" Target="slides/slide{count - n}.xml"/>' for n in range(count)
    )
    entries: list[tuple[str | zipfile.ZipInfo, bytes | str]] = [
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("ppt/presentation.xml", presentation),
        ("ppt/_rels/presentation.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'),
        ("docProps/core.xml", CORE_XML.format(title=escape(title), creator="lecturer", keywords="")),
    ]  # fmt: skip
    for n, lines in enumerate(slides):
        paras = "".join(f"<a:p><a:r><a:t>{escape(line)}</a:t></a:r></a:p>" for line in lines)
        slide = (
            f'<?xml version="1.0"?><p:sld xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree><p:sp>'
            f"<p:txBody>{paras}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
        entries.append((f"ppt/slides/slide{count - n}.xml", slide))
    return zip_bytes(entries)


def odt(title: str, creator: str, paragraphs: Sequence[str]) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = "".join(f"<text:p>{escape(p).replace('  ', '<text:s/> ')}</text:p>" for p in paragraphs)
    content = (
        f'<?xml version="1.0"?><office:document-content xmlns:office="{office}" xmlns:text="{text_ns}">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0"?><office:document-meta xmlns:office="{office}" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta><dc:title>{escape(title)}</dc:title>'
        f"<meta:initial-creator>{escape(creator)}</meta:initial-creator><meta:generator>MawridTests/1</meta:generator>"
        "</office:meta></office:document-meta>"
    )
    return zip_bytes(
        [("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", content), ("meta.xml", meta)],
        stored_first=True,
    )  # fmt: skip


# --- course packages ----------------------------------------------------------------------------


@dataclass
class Lesson:
    title: str
    body: str | None = None  # HTML; None for a grouping item without a page
    children: list[Lesson] = field(default_factory=list)


SCORM12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"',
    "1.2",
    "adlcp:scormtype",
)
SCORM2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"',
    "2004 4th Edition",
    "adlcp:scormType",
)
IMSCC = (
    'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
    'xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"',
    "1.1.0",
    None,
)
LOM_TEMPLATE = (
    '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string language="{lang}">{title}</string></title>'
    '<description><string language="{lang}">{description}</string></description>{keywords}'
    "<language>{lang}</language></general>"
    "<lifeCycle><contribute><role><value>author</value></role><entity>BEGIN:VCARD\nVERSION:3.0\nFN:{author}\nEND:VCARD"
    "</entity><date><dateTime>2023-09-01</dateTime></date></contribute></lifeCycle>"
    "<educational><learningResourceType><value>lecture</value></learningResourceType>"
    "<intendedEndUserRole><value>learner</value></intendedEndUserRole>"
    "<context><value>higher education</value></context>"
    "<typicalLearningTime><duration>PT2H30M</duration></typicalLearningTime></educational>"
    "<rights><description><string>CC BY 4.0 https://creativecommons.org/licenses/by/4.0/</string></description></rights>"
    "</lom>"
)


def course(
    flavour: tuple[str, str, str | None],
    *,
    title: str,
    lessons: Sequence[Lesson],
    description: str = "A course",
    keywords: Sequence[str] = (),
    lang: str = "en",
    author: str = "Course Team",
    external_lom: bool = False,
    manifest_prefix: str = "",
) -> bytes:
    """A SCORM 1.2 / 2004 or IMS CC package; lesson pages are stored under names sorted against their order."""
    namespaces, version, scorm_attr = flavour
    files: list[tuple[str | zipfile.ZipInfo, bytes | str]] = []
    resources: list[str] = []
    counter = [0]

    def items(nodes: Sequence[Lesson]) -> str:
        xml = []
        for node in nodes:
            counter[0] += 1
            n = counter[0]
            ref = ""
            if node.body is not None:
                href = f"pages/{1000 - n}.html"  # reverse-sorted names: order must come from the organisation
                files.append((href, xhtml(node.title, node.body, lang)))
                scorm = f' {scorm_attr}="sco"' if scorm_attr else ""
                resources.append(
                    f'<resource identifier="R{n}" type="webcontent" href="{href}"{scorm}>'
                    f'<file href="{href}"/></resource>'
                )
                ref = f' identifierref="R{n}"'
            xml.append(f'<item identifier="I{n}"{ref}><title>{escape(node.title)}</title>{items(node.children)}</item>')
        return "".join(xml)

    organisation = (
        f'<organizations default="ORG"><organization identifier="ORG">'
        f"<title>{escape(title)} (organisation)</title>{items(lessons)}</organization></organizations>"
    )
    lom = LOM_TEMPLATE.format(
        lang=lang, title=escape(title), description=escape(description), author=escape(author),
        keywords="".join(f'<keyword><string language="{lang}">{escape(k)}</string></keyword>' for k in keywords),
    )  # fmt: skip
    if external_lom:
        files.append(("metadata/course.xml", f'<?xml version="1.0"?>{lom}'))
        lom = "<adlcp:location>metadata/course.xml</adlcp:location>"
    schema = "IMS Common Cartridge" if flavour is IMSCC else "ADL SCORM"
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?>{manifest_prefix}<manifest identifier="M1" {namespaces}>'
        f"<metadata><schema>{schema}</schema><schemaversion>{version}</schemaversion>{lom}</metadata>"
        f"{organisation}<resources>{''.join(resources)}</resources></manifest>"
    )
    return zip_bytes([("imsmanifest.xml", manifest), *files])


# --- hostile archives and XML -------------------------------------------------------------------


def symlink_zip() -> bytes:
    link = zipfile.ZipInfo("passwd.txt")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_bytes([("index.html", "<p>hi</p>"), (link, "/etc/passwd")])


def bomb_zip(megabytes: int = 24) -> bytes:
    """Zeros compress about 1000:1: a small file declaring a large entry."""
    return zip_bytes([("data.bin", bytes(megabytes * 1024 * 1024))])


XXE_PROLOGUE = '<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LOL_PROLOGUE = (
    '<!DOCTYPE manifest [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


# --- media and images ---------------------------------------------------------------------------


def wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return out.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[271] = "Mawrid Camera Co"  # Make
    exif[272] = "MC-1"  # Model
    exif[315] = "Sara Haddad"  # Artist
    exif[270] = "Campus library at dawn"  # ImageDescription
    exif.get_ifd(0x8769)[36867] = "2022:05:17 06:30:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 54.0, 36.0)  # Jerusalem, about 31.91 N 35.21 E
    gps[3], gps[4] = "E", (35.0, 12.0, 36.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (120, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


WEBVTT = """WEBVTT

NOTE written for the tests

1
00:00:00.000 --> 00:00:02.000
<v Lecturer>Welcome to the <b>library</b> lecture.</v>

intro-2
00:00:02.000 --> 00:00:04.000
مرحبا بكم في المكتبة
"""

SRT = """1
00:00:00,000 --> 00:00:02,000
First caption line

2
00:00:02,000 --> 00:00:04,000
Second caption <i>line</i>
"""
