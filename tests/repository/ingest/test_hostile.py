"""Hostile files are refused (or flagged) with a reason, never extracted to disk, never expanded."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from repository.errors import Abandoned, ExtractionFailed, UnsupportedFormat
from repository.ingest import safezip
from repository.ingest.sandbox import Limits, Sandbox, run_limited
from tests.repository.ingest import builders
from tests.repository.ingest.builders import Lesson
from tests.repository.ingest.conftest import extract

LESSON = [Lesson("Only lesson", "<p>Hello</p>")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (builders.bomb_zip(), "zip bomb"),
        (builders.zip_bytes([("index.html", "x"), ("../../../../tmp/mawrid_escape.txt", "x")]), "path traversal"),
        (builders.zip_bytes([("/tmp/mawrid_escape.txt", "x")]), "absolute path"),
        (builders.zip_bytes([("C:\\mawrid_escape.txt", "x")]), "absolute path"),
        (builders.symlink_zip(), "symbolic link"),
        (builders.zip_bytes([(f"f{n}.txt", "") for n in range(safezip.MAX_ENTRIES + 1)]), "entries"),
    ],
)
def test_dangerous_archives_are_refused_before_anything_is_read(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedFormat, match=reason):
        extract(data, "package.zip")
    assert not Path("/tmp/mawrid_escape.txt").exists()


@pytest.mark.parametrize("prologue", [builders.XXE_PROLOGUE, builders.LOL_PROLOGUE])
def test_manifests_declaring_entities_are_refused_unexpanded(prologue: str) -> None:
    data = builders.course(builders.SCORM12, title="&xxe;&lol3;", lessons=LESSON, manifest_prefix=prologue)
    started = time.monotonic()
    with pytest.raises(UnsupportedFormat, match="declares the XML entity"):
        extract(data, "course.zip")
    assert time.monotonic() - started < 2


def test_entities_in_an_epub_package_document_are_refused() -> None:
    data = builders.epub(title="x", chapters=[("c", "<p>x</p>")])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(n, source.read(n)) for n in source.namelist()]
    hostile = [
        (n, d.replace(b"<package", builders.XXE_PROLOGUE.replace("manifest", "package").encode() + b"<package", 1))
        if n.endswith(".opf")
        else (n, d)
        for n, d in entries
    ]
    with pytest.raises(UnsupportedFormat, match="entity"):
        extract(builders.zip_bytes(hostile, stored_first=True), "book.epub")


def test_entities_in_html_pages_are_never_resolved() -> None:
    page = (
        b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<html><body><p>before &xxe; after</p></body></html>"
    )
    result = extract(page, "page.html")
    assert "root:" not in result.text and "before" in result.text


def test_a_slow_extraction_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(builders.pdf([builders.ENGLISH_LINES] * 2))
    started = time.monotonic()
    with pytest.raises(ExtractionFailed, match="exceeded the time limit"):
        run_limited(str(path), path.name, Limits(seconds=0.001, memory_mb=2048))
    assert time.monotonic() - started < 5


def test_an_extraction_that_needs_too_much_memory_fails_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(builders.png((6000, 6000)))  # 36 Mpixel: over 100 MB decoded, a few kB on disk
    with pytest.raises(ExtractionFailed, match="memory"):
        run_limited(str(path), path.name, Limits(seconds=60, memory_mb=_baseline_mb() + 60))


def test_one_sandbox_carries_on_after_refusals_and_failures(tmp_path: Path) -> None:
    files = {
        "slip.zip": builders.zip_bytes([("../evil.txt", "x")]),
        "huge.png": builders.png((6000, 6000)),
        "notes.txt": b"Notes of the library committee.",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with Sandbox(Limits(seconds=60, memory_mb=_baseline_mb() + 60)) as sandbox:
        for _ in range(2):
            with pytest.raises(UnsupportedFormat):
                sandbox.extract(str(tmp_path / "slip.zip"), "slip.zip")
            with pytest.raises(ExtractionFailed, match="memory"):
                sandbox.extract(str(tmp_path / "huge.png"), "huge.png")
            assert sandbox.extract(str(tmp_path / "notes.txt"), "notes.txt").text == "Notes of the library committee."


def test_the_heartbeat_runs_while_waiting_and_can_abandon_the_file(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(builders.pdf([builders.ENGLISH_LINES * 10] * 40))
    beats: list[float] = []
    with Sandbox(Limits(seconds=60, memory_mb=2048)) as sandbox:
        result = sandbox.extract(str(path), path.name, heartbeat=lambda: beats.append(time.monotonic()) or True,
                                 beat_seconds=0.001)  # fmt: skip
        assert result.page_count == 40 and len(beats) >= 2
        with pytest.raises(Abandoned):
            sandbox.extract(str(path), path.name, heartbeat=lambda: False, beat_seconds=0.001)
        assert sandbox.extract(str(path), path.name).page_count == 40  # a fresh child, no stale answer


def test_refusals_cross_the_process_boundary_as_themselves(tmp_path: Path) -> None:
    path = tmp_path / "slip.zip"
    path.write_bytes(builders.zip_bytes([("../evil.txt", "x")]))
    with pytest.raises(UnsupportedFormat, match="path traversal"):
        run_limited(str(path), path.name, Limits(seconds=30, memory_mb=2048))


def _baseline_mb() -> int:
    """This process's address space now: a forked child starts from it."""
    with open(f"/proc/{os.getpid()}/status") as status:
        line = next(x for x in status if x.startswith("VmSize:"))
    return int(line.split()[1]) // 1024
