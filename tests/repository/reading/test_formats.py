"""EPUB 3 passes epubcheck; spoken audio decodes; braille comes out for Arabic and English; a missing tool says so."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest

from repository.errors import FormatUnavailable
from repository.reading.blocks import Document, read_text
from repository.reading.braille import to_braille
from repository.reading.epub import BookInfo, to_epub
from repository.reading.speech import speech_segments, to_audio

EPUBCHECK = Path("/usr/share/java/epubcheck.jar")  # Debian's epubcheck; its /usr/bin entry needs binfmt_misc
PAGES = [
    "مقدمة\n\nتقدم جامعة القدس المفتوحة برامج التعليم المفتوح عبر نظام Moodle في فروعها كلها.\n\n",
    "Introduction\n\nThe university teaches in Arabic and English across nineteen branches.\n\n• one\n• two\n\n",
    "| Branch | Students |\n|---|---|\n| Gaza | 9000 |\n",
]
INFO = BookInfo("https://repository.qou.test/items/abc", "كتاب التجربة", "ar", datetime(2025, 3, 1), ("أمل ناصر",))


def _document() -> Document:
    text = "".join(PAGES)
    return read_text(text, [0, len(PAGES[0]), len(PAGES[0]) + len(PAGES[1])], "ar")


def _needs(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (apt-get install espeak-ng ffmpeg liblouis-bin)")


def test_the_epub_passes_epubcheck_without_errors_or_warnings(tmp_path: Path) -> None:
    if not EPUBCHECK.exists() or shutil.which("java") is None:
        pytest.skip("epubcheck is not installed (apt-get install epubcheck)")
    book = tmp_path / "book.epub"
    book.write_bytes(to_epub(_document(), INFO))
    report = tmp_path / "report.json"
    subprocess.run(["java", "-jar", str(EPUBCHECK), str(book), "--json", str(report)], capture_output=True, timeout=120)
    found = json.loads(report.read_text())
    assert [(m["severity"], m["message"]) for m in found["messages"]] == []
    assert found["publication"]["ePubVersion"].startswith("3")


def test_the_epub_keeps_language_direction_headings_and_a_page_list() -> None:
    with zipfile.ZipFile(BytesIO(to_epub(_document(), INFO))) as book:
        assert book.namelist()[0] == "mimetype" and book.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        text = book.read("EPUB/text.xhtml").decode()
        nav = book.read("EPUB/nav.xhtml").decode()
        opf = book.read("EPUB/package.opf").decode()
    assert '<p id="b1" xml:lang="ar" lang="ar" dir="rtl">' in text
    assert '<span xml:lang="en" lang="en" dir="ltr">Moodle</span>' in text
    assert '<h2 id="b2" xml:lang="en" lang="en" dir="ltr">Introduction</h2>' in text
    assert 'id="page-3"' in text and '<th scope="col">Branch</th>' in text
    assert 'epub:type="page-list"' in nav and 'href="text.xhtml#page-2"' in nav and "مقدمة" in nav
    assert 'page-progression-direction="rtl"' in opf and "<dc:language>ar</dc:language>" in opf
    assert to_epub(_document(), INFO) == to_epub(_document(), INFO)  # the same bytes each time


def test_speech_is_split_by_language_for_the_voices() -> None:
    assert [lang for lang, _ in speech_segments(_document())] == ["ar", "en"]


def test_spoken_audio_is_ogg_opus_that_decodes_with_a_duration(tmp_path: Path) -> None:
    _needs("espeak-ng", "ffmpeg", "ffprobe")
    audio = tmp_path / "speech.ogg"
    audio.write_bytes(to_audio(_document(), fallback="ar", seconds=120))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", str(audio)],
        capture_output=True,
        check=True,
        text=True,
    )
    info = json.loads(probe.stdout)
    assert info["streams"][0]["codec_name"] == "opus" and float(info["format"]["duration"]) > 3


def test_braille_is_written_for_arabic_and_english_in_braille_ascii() -> None:
    _needs("lou_translate")
    arabic = to_braille(read_text("تقدم الجامعة برامج التعليم المفتوح."), fallback="ar", seconds=60)
    english = to_braille(read_text("The university teaches in Arabic and English."), fallback="en", seconds=60)
    assert arabic.strip() and english.strip() and arabic != english
    assert english.startswith(",! univ}s;y") or ",english" in english  # UEB: capitals as a dot-6 prefix
    for brf in (arabic, english):
        assert all(32 <= ord(ch) < 127 or ch in "\n\f" for ch in brf)
        assert max(len(line) for line in brf.splitlines()) <= 40


def test_a_missing_tool_makes_the_format_unavailable_with_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FormatUnavailable, match="espeak-ng, ffmpeg"):
        to_audio(_document(), fallback="ar", seconds=10)
    with pytest.raises(FormatUnavailable, match="liblouis-bin"):
        to_braille(_document(), fallback="ar", seconds=10)
