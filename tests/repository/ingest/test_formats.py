from __future__ import annotations

import io

import pytest

from repository.errors import UnsupportedFormat
from repository.ingest.detect import detect
from repository.ingest.extract import extract_file
from repository.ingest.language import clean_text, detect_language
from tests.repository.ingest import builders
from tests.repository.ingest.builders import Lesson
from tests.repository.ingest.conftest import extract

CHAPTERS = [
    ("intro", "<h1>Introduction</h1><p>Open <b>learning</b> begins here.</p>"),
    ("middle", "<p>The middle chapter explains the method.</p>"),
    ("end", "<p>The last chapter concludes.</p><script>var hidden = 'never indexed';</script>"),
]
LESSONS = [
    Lesson("Week 1", None, [Lesson("Reading lists", "<p>First lesson on reading lists.</p>")]),
    Lesson("Week 2", "<p>Second lesson on <i>citations</i>.</p>", [Lesson("Quiz", "<p>Third lesson, a quiz.</p>")]),
]


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (builders.pdf([["x"]]), "a.pdf", "pdf"),
        (builders.epub(title="T", chapters=CHAPTERS), "a.epub", "epub"),
        (builders.epub(version="2.0", title="T", chapters=CHAPTERS), "a.epub", "epub"),
        (builders.docx("T", "C", [["x"]]), "a.docx", "docx"),
        (builders.pptx("T", [["x"]]), "a.pptx", "pptx"),
        (builders.xlsx(["x"]), "a.xlsx", "xlsx"),
        (builders.odt("T", "C", ["x"]), "a.odt", "odt"),
        (builders.course(builders.SCORM12, title="C", lessons=LESSONS), "c.zip", "scorm12"),
        (builders.course(builders.SCORM2004, title="C", lessons=LESSONS), "c.zip", "scorm2004"),
        (builders.course(builders.IMSCC, title="C", lessons=LESSONS), "c.imscc", "imscc"),
        (builders.zip_bytes([("readme.txt", "hello")]), "a.zip", "zip"),
        (b"<!DOCTYPE html><html><body><p>hi</p></body></html>", "a.html", "html"),
        (b"# Title\n\nSome *markdown* text.\n", "a.md", "markdown"),
        (b"Plain words in a file.\n", "a.txt", "text"),
        (builders.WEBVTT.encode(), "a.vtt", "captions"),
        (builders.SRT.encode(), "a.srt", "captions"),
        (builders.wav(), "a.wav", "audio"),
        (builders.png(), "a.png", "image"),
    ],
)
def test_kind_is_detected_from_the_bytes(data: bytes, name: str, kind: str) -> None:
    detection = detect(io.BytesIO(data), name)
    assert detection.kind == kind and detection.warnings == ()


def test_a_name_that_lies_about_the_content_is_flagged() -> None:
    result = extract(builders.zip_bytes([("readme.txt", "not a pdf")]), "report.pdf")
    assert result.kind == "zip" and result.mime == "application/zip"
    assert result.warnings[0].startswith("suspicious: the name 'report.pdf' says .pdf")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UnsupportedFormat, match="empty"):
        extract(b"", "empty.txt")


def test_epub_metadata_spine_order_and_cover() -> None:
    data = builders.epub(
        title="دليل المكتبة",
        creators=["أحمد خليل", "Sara Haddad"],
        language="ar",
        chapters=[("c1", "<p>الفصل الأول عن المكتبات الجامعية المفتوحة</p>"), ("c2", "<p>الفصل الثاني</p>")],
        cover=builders.png((400, 600)),
        isbn="978-9950-00-000-1",
    )
    result = extract(data, "book.epub")
    md = result.metadata
    assert md["titles"] == [{"value": "دليل المكتبة", "lang": "ar"}]
    assert [c["name"] for c in md["creators"]] == ["أحمد خليل", "Sara Haddad"]
    assert md["type"] == "book" and md["language"] == "ar"
    assert md["identifiers"] == [{"scheme": "isbn", "value": "978-9950-00-000-1"}]
    assert result.text.index("الفصل الأول") < result.text.index("الفصل الثاني")
    assert result.details["epub_version"] == "3.0"
    assert result.thumbnail is not None and result.thumbnail.mime == "image/jpeg"


def test_epub2_reads_the_spine_not_the_manifest_order_and_skips_scripts() -> None:
    result = extract(builders.epub(version="2.0", title="Guide", chapters=CHAPTERS, cover=builders.png()), "g.epub")
    assert (
        result.text.index("Open learning begins") < result.text.index("middle chapter") < result.text.index("concludes")
    )
    assert "never indexed" not in result.text
    assert result.thumbnail is not None


def test_docx_runs_join_and_paragraphs_break() -> None:
    data = builders.docx(
        "Annual report", "Library Office", [["Open ", "access"], ["Second paragraph"]], "reports; 2024"
    )
    result = extract(data, "r.docx")
    assert result.text == "Open access\nSecond paragraph"
    assert result.metadata["titles"][0]["value"] == "Annual report"
    assert result.metadata["creators"] == [{"name": "Library Office"}]
    assert result.metadata["subjects"] == [{"value": "reports"}, {"value": "2024"}]


def test_pptx_slides_come_in_presentation_order() -> None:
    result = extract(builders.pptx("Lecture 3", [["First slide"], ["Second slide"], ["Third slide"]]), "l.pptx")
    assert result.page_count == 3
    assert result.text.index("First") < result.text.index("Second") < result.text.index("Third")
    assert result.metadata["type"] == "lecture_slides"


def test_xlsx_cells_are_its_text() -> None:
    assert extract(builders.xlsx(["Branch", "Nablus", "نابلس"]), "b.xlsx").text == "Branch\nNablus\nنابلس"


def test_odt_text_and_meta() -> None:
    result = extract(builders.odt("Poem", "A. Poet", ["The boy stood  on the deck,", "Whence all had fled."]), "p.odt")
    assert result.text == "The boy stood on the deck,\nWhence all had fled."
    assert result.metadata["creators"] == [{"name": "A. Poet"}]
    assert result.details["generator"] == "MawridTests/1"


def test_plain_text_in_windows_1256_is_decoded_and_titled_by_its_first_line() -> None:
    text = "عنوان الملف\nيحتفل العالم العربي بالذكرى المئوية لمولد توفيق الحكيم في هذا الشهر"
    result = extract(text.encode("cp1256"), "hakim.txt")
    assert "توفيق الحكيم" in result.text
    assert result.metadata["titles"] == [{"value": "عنوان الملف", "lang": "ar"}]
    assert result.details["encoding"] == "cp1256" and result.language == "ar"


def test_html_title_meta_and_blocks() -> None:
    page = (
        '<html lang="en"><head><title>Page title</title><meta name="citation_title" content="Scholarly title">'
        '<meta name="citation_author" content="One, Ann"><meta name="citation_author" content="Two, Bob">'
        '<meta name="citation_doi" content="10.5555/abc"></head>'
        "<body><div>first block</div><div>second<span> inline</span></div></body></html>"
    )
    result = extract(page.encode(), "p.html")
    assert result.text == "first block\nsecond inline"
    assert result.metadata["titles"] == [{"value": "Scholarly title"}]
    assert result.metadata["creators"] == [{"name": "One, Ann"}, {"name": "Two, Bob"}]
    assert result.metadata["identifiers"] == [{"scheme": "doi", "value": "10.5555/abc"}]
    assert result.details["html_lang"] == "en"


def test_markdown_title_is_its_heading() -> None:
    result = extract(b"# Study guide\n\nRead **chapter one** first.\n", "guide.md")
    assert result.metadata["titles"] == [{"value": "Study guide", "lang": "en"}]
    assert "Read chapter one first." in result.text


@pytest.mark.parametrize(
    ("source", "name", "fmt", "cues", "lines"),
    [
        (builders.WEBVTT, "a.vtt", "webvtt", 2, ["Welcome to the library lecture.", "مرحبا بكم في المكتبة"]),
        (builders.SRT, "a.srt", "srt", 2, ["First caption line", "Second caption line"]),
    ],
)
def test_captions_keep_cue_text_only(source: str, name: str, fmt: str, cues: int, lines: list[str]) -> None:
    result = extract(source.encode(), name)
    assert result.text.split("\n") == lines
    assert result.details["format"] == fmt and result.details["cue_count"] == cues


def test_recording_gets_duration_and_the_text_of_its_captions() -> None:
    captions = [("lecture.vtt", io.BytesIO(builders.WEBVTT.encode()))]
    result = extract_file(io.BytesIO(builders.wav(seconds=1.5)), "lecture.wav", captions)
    assert result.kind == "audio" and result.details["duration_ms"] == 1500
    assert result.details["captions"] == ["lecture.vtt"]
    assert "Welcome to the library lecture." in result.text


def test_image_size_exif_and_gps() -> None:
    result = extract(builders.jpeg_with_exif(), "photo.jpg")
    assert (result.details["width"], result.details["height"]) == (640, 480)
    assert result.details["exif_make"] == "Mawrid Camera Co"
    assert result.details["exif_datetime_original"] == "2022:05:17 06:30:00"
    assert result.details["gps_latitude"] == pytest.approx(31.91) and result.details["gps_longitude"] == pytest.approx(
        35.21
    )
    assert result.metadata["creators"] == [{"name": "Sara Haddad"}] and result.metadata["date_issued"] == "2022-05-17"
    assert result.thumbnail is not None


@pytest.mark.parametrize("flavour", [builders.SCORM12, builders.SCORM2004, builders.IMSCC])
def test_course_metadata_outline_and_text_in_organisation_order(flavour: tuple[str, str, str | None]) -> None:
    data = builders.course(flavour, title="Information Literacy", lessons=LESSONS, keywords=["libraries", "research"])
    result = extract(data, "course.zip")
    md = result.metadata
    assert md["titles"] == [{"value": "Information Literacy", "lang": "en"}]
    assert md["subjects"] == [{"value": "libraries"}, {"value": "research"}]
    assert md["creators"] == [{"name": "Course Team"}] and md["date_issued"] == "2023-09-01"
    assert md["oer"] == {
        "learning_resource_type": "lecture",
        "intended_audience": "learner",
        "educational_level": "higher education",
        "time_required": "PT2H30M",
    }
    assert md["license"] == {"uri": "https://creativecommons.org/licenses/by/4.0/"} and md["type"] == "course"
    outline = result.details["outline"]
    assert [n["title"] for n in outline] == ["Week 1", "Week 2"]
    assert outline[0]["href"] is None and outline[0]["children"][0]["title"] == "Reading lists"
    assert outline[1]["children"][0]["href"].startswith("pages/")
    text = result.text
    assert text.index("First lesson") < text.index("Second lesson on citations") < text.index("Third lesson")


def test_scorm12_lom_may_live_in_an_external_file() -> None:
    data = builders.course(builders.SCORM12, title="External LOM course", lessons=LESSONS, external_lom=True)
    assert extract(data, "c.zip").metadata["titles"][0]["value"] == "External LOM course"


def test_language_and_text_cleaning() -> None:
    assert detect_language("the library of the university is open to all students and staff") == "en"
    assert detect_language("المكتبة مفتوحة لجميع الطلاب والعاملين في الجامعة") == "ar"
    assert detect_language("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod") == "und"
    assert detect_language("ok") is None
    assert clean_text("\ufeb3\ufefc\ufee1 \u202bx\u202c\x00 ﬁle") == "سلام x file"
