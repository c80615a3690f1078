"""Ingest throughput: end to end with 2 workers, against `pdftotext` alone on the same PDFs; per extractor;
and pypdf against PDFium for PDF text (speed and quality), which decided the PDF text extractor.

The PDFs are generated with a fixed seed (tests/repository/ingest/builders.py): pages of English and shaped Arabic
lines whose text is known, so quality is measured as the share of lines found intact in the output.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, update

from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.domain import SYSTEM, utcnow
from repository.ingest.extract import extract_file
from repository.ingest.language import clean_text
from repository.ingest.pdf import page_texts
from repository.jobs import queue as jobs
from repository.jobs.pool import WorkerPool, run_pending_jobs
from repository.jobs.worker import WorkerConfig
from repository.services.collections import create_collection, create_community
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.settings import Settings
from tests.repository.ingest import builders
from tests.repository.ingest.builders import Lesson
from web.wiring import wire

WORKERS = 2
WARM_ROUNDS = 2  # the best of: these machines are shared and noisy
ENGLISH_WORDS = [
    "library", "university", "open", "learning", "research", "students", "faculty", "course", "distance",
    "education", "archive", "journal", "digital", "resource", "catalogue", "search", "reading", "knowledge",
    "branch", "teaching", "science", "media", "arts", "agriculture",
]  # fmt: skip
ARABIC_WORDS = [
    "مكتبة", "جامعة", "التعلم", "المفتوح", "البحث", "العلمي", "الطلاب", "كلية", "مقرر", "التعليم", "عن", "بعد",
    "أرشيف", "مجلة", "رقمي", "مصدر", "فهرس", "المعرفة", "فرع", "التدريس", "العلوم", "الإعلام", "الفنون",
    "الزراعة", "السلام",
]  # fmt: skip


def _lines(rng: random.Random, count: int) -> list[str]:
    lines = []
    for n in range(count):
        words = ARABIC_WORDS if n % 3 == 0 else ENGLISH_WORDS
        lines.append(" ".join(rng.choice(words) for _ in range(9)))
    return lines


def make_pdfs(folder: Path, files: int, pages: int) -> list[tuple[Path, list[str]]]:
    """Deterministic PDFs and the lines each holds."""
    rng = random.Random(20240601)
    made = []
    for n in range(files):
        content = [_lines(rng, 30) for _ in range(pages)]
        path = folder / f"doc{n:03}.pdf"
        path.write_bytes(builders.pdf(content, title=f"Document {n}", author="Bench Author"))
        made.append((path, [line for page in content for line in page]))
    return made


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def pdftotext_seconds(paths: list[Path]) -> float:
    """pdftotext on every file, WORKERS at a time: the same parallelism the ingest run gets."""

    def one(path: Path) -> None:
        subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)

    with ThreadPoolExecutor(WORKERS) as pool:
        return _timed(lambda: list(pool.map(one, paths)))


def pdftotext_one_seconds(path: Path, runs: int = 5) -> float:
    """Best time of pdftotext on one file, in one process: the per-extractor baseline."""
    times = []
    for _ in range(runs):
        times.append(
            _timed(
                lambda: subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
            )
        )
    return min(times)


def ingest_seconds(paths: list[Path], workdir: Path) -> tuple[float, float]:
    """(cold, warm) seconds for 2 worker processes to ingest every file: cold includes starting the workers;
    warm starts the clock only once they are idle and the jobs become due together."""
    settings = Settings(data_dir=workdir / "data", _env_file=None)  # type: ignore[call-arg]
    wiring = wire(settings)
    create_community(wiring.uow(), SYSTEM, "bench", "Bench", "قياس")
    create_collection(wiring.uow(), SYSTEM, "bench", "bench-items", "Bench items", "عناصر")

    def deposit() -> list[int]:
        ids = []
        for path in paths:
            item = deposit_item(
                wiring.uow(), SYSTEM, "bench-items", {"titles": [{"value": path.stem}], "type": "other"}
            )
            with open(path, "rb") as fh:
                added = add_file(wiring.uow(), wiring.store, SYSTEM, item.id, fh, path.name)
            assert added.job_id is not None
            ids.append(added.job_id)
        return ids

    factory = partial(wire, settings, migrate_schema=False)
    config = WorkerConfig.from_settings(settings, poll_seconds=0.05)
    ids = deposit()
    started = time.perf_counter()
    summary = run_pending_jobs(factory, wiring.engine, config, WORKERS, job_ids=ids, poll_seconds=0.02)
    cold = time.perf_counter() - started
    assert summary.done == len(paths), summary.failures
    rounds = [deposit() for _ in range(WARM_ROUNDS)]  # the same bytes again, as new items, not yet due
    later = utcnow().replace(year=utcnow().year + 1)
    with wiring.uow() as uow:
        everything = [i for ids in rounds for i in ids]
        uow.conn.execute(update(t.ingest_jobs).where(t.ingest_jobs.c.id.in_(everything)).values(run_after=later))
    pool = WorkerPool(factory, config, WORKERS).start()
    try:
        time.sleep(4)  # let both workers start and go idle
        warm = min(_round(wiring.engine, wiring.uow, ids) for ids in rounds)
    finally:
        pool.stop()
    wiring.engine.dispose()
    return cold, warm


def _round(engine: Engine, uow: Callable[[], UnitOfWork], ids: list[int]) -> float:
    """Make the jobs due together and time until all are done."""
    with uow() as work:
        work.conn.execute(update(t.ingest_jobs).where(t.ingest_jobs.c.id.in_(ids)).values(run_after=utcnow()))
    started = time.perf_counter()
    while True:
        with reading(engine) as conn:
            counts = jobs.count_jobs(conn, ids)
        if counts["done"] + counts["failed"] == len(ids):
            assert counts["done"] == len(ids), counts
            return time.perf_counter() - started
        time.sleep(0.02)


def pdf_text_engines(docs: list[tuple[Path, list[str]]]) -> list[tuple[str, float, float, float, bool]]:
    """(engine, seconds, English lines found, Arabic lines found, presentation forms left) over all files."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    def with_pypdf(path: Path) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)

    def with_pdfium(path: Path) -> str:
        document = pdfium.PdfDocument(str(path))
        try:
            return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        finally:
            document.close()

    def as_used(path: Path) -> str:
        document = pdfium.PdfDocument(str(path))
        try:
            return "\n".join(page_texts(document))
        finally:
            document.close()

    results = []
    engines = (("pypdf", with_pypdf), ("PDFium, raw", with_pdfium), ("PDFium as Mawrid uses it", as_used))
    for name, engine in engines:
        started = time.perf_counter()
        texts = [engine(path) for path, _ in docs]
        seconds = time.perf_counter() - started
        found = {"en": [0, 0], "ar": [0, 0]}
        forms = False
        for text, (_, lines) in zip(texts, docs, strict=True):
            forms = forms or any("\ufb50" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff" for ch in text)
            cleaned = clean_text(text)
            for line in lines:
                lang = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in line) else "en"
                found[lang][0] += line in cleaned
                found[lang][1] += 1
        results.append((name, seconds, found["en"][0] / found["en"][1], found["ar"][0] / found["ar"][1], forms))
    return results


def sample_files(pdf: Path) -> dict[str, tuple[str, bytes]]:
    chapters = [(f"c{n}", "<p>" + " ".join(ENGLISH_WORDS) * 20 + "</p>") for n in range(20)]
    lessons = [Lesson(f"Lesson {n}", "<p>" + " ".join(ENGLISH_WORDS) * 10 + "</p>") for n in range(20)]
    paragraphs = [[" ".join(ENGLISH_WORDS)] for _ in range(300)]
    return {
        "pdf": ("doc.pdf", pdf.read_bytes()),
        "epub": ("book.epub", builders.epub(title="Book", chapters=chapters, cover=builders.png((600, 800)))),
        "docx": ("report.docx", builders.docx("Report", "Author", paragraphs)),
        "pptx": ("slides.pptx", builders.pptx("Slides", [[" ".join(ENGLISH_WORDS)] * 5] * 30)),
        "odt": ("text.odt", builders.odt("Text", "Author", [" ".join(ENGLISH_WORDS)] * 300)),
        "html": ("page.html", ("<html><body>" + f"<p>{' '.join(ENGLISH_WORDS)}</p>" * 400 + "</body></html>").encode()),
        "text": ("notes.txt", ("\n".join(" ".join(ARABIC_WORDS) for _ in range(400))).encode("cp1256")),
        "captions": ("talk.vtt", (builders.WEBVTT + "".join(
            f"\n{n // 60:02}:{n % 60:02}.000 --> {n // 60:02}:{n % 60:02}.900\nCaption number {n} of the lecture.\n"
            for n in range(2, 600)
        )).encode()),
        "scorm12": ("course.zip", builders.course(builders.SCORM12, title="Course", lessons=lessons)),
        "image": ("photo.jpg", builders.jpeg_with_exif((2400, 1600))),
        "audio": ("sound.wav", builders.wav(seconds=30)),
    }  # fmt: skip


def per_extractor(pdf: Path, budget: float) -> list[tuple[str, int, float, float]]:
    """(kind, bytes, files/s, MB/s) for one representative file of each kind, in-process."""
    rows = []
    for kind, (name, data) in sample_files(pdf).items():
        times: list[float] = []
        while len(times) < 3 or sum(times) < budget:
            started = time.perf_counter()
            result = extract_file(io.BytesIO(data), name)
            times.append(time.perf_counter() - started)
        seconds = min(times)  # the best run: others' load on a shared machine only adds
        assert result.kind == kind, (kind, result.kind)
        rows.append((kind, len(data), 1 / seconds, len(data) / seconds / 1e6))
    return rows


def run(quick: bool = False) -> str:
    if shutil.which("pdftotext") is None:
        return "## Ingest\n\n`pdftotext` (poppler-utils) is not installed: no baseline, nothing measured.\n"
    files, pages = (8, 8) if quick else (24, 20)
    with tempfile.TemporaryDirectory(prefix="mawrid-bench-ingest-") as tmp:
        folder = Path(tmp)
        docs = make_pdfs(folder, files, pages)
        paths = [p for p, _ in docs]
        total_pages = files * pages
        baseline = min(pdftotext_seconds(paths) for _ in range(2 if quick else 3))
        cold, warm = ingest_seconds(paths, folder / "repo")
        engines = pdf_text_engines(docs)
        extractors = per_extractor(paths[0], 0.2 if quick else 1.0)
        one_file = pdftotext_one_seconds(paths[0])
    base_files = files / baseline
    out = [
        "## Ingest",
        f"{files} generated PDFs × {pages} pages (English and shaped Arabic lines), {WORKERS} workers, "
        "embedded deployment (SQLite + local files). Baseline: `pdftotext` alone on the same files, "
        f"{WORKERS} at a time, in this run.",
        "",
        "| run | seconds | pages/s | files/s | × pdftotext |",
        "|---|---:|---:|---:|---:|",
        f"| pdftotext alone (baseline) | {baseline:.2f} | {total_pages / baseline:.0f} | {base_files:.1f} | 1.00 |",
        f"| ingest, workers already running | {warm:.2f} | {total_pages / warm:.0f} | {files / warm:.1f} | "
        f"{baseline / warm:.2f} |",
        f"| ingest, including worker start-up | {cold:.2f} | {total_pages / cold:.0f} | {files / cold:.1f} | "
        f"{baseline / cold:.2f} |",
        "",
        "Ingest does per file what pdftotext does plus: detection, metadata (pypdf), a first-page thumbnail, "
        "a sandboxed child process, storing text and thumbnail, and one database transaction.",
        "",
        "### PDF text: pypdf against PDFium",
        "",
        "| engine | seconds | pages/s | × pypdf speed | English lines intact | Arabic lines intact | "
        "presentation forms left |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    pypdf_seconds = engines[0][1]
    for name, seconds, english, arabic, forms in engines:
        out.append(
            f"| {name} | {seconds:.2f} | {total_pages / seconds:.0f} | {pypdf_seconds / seconds:.1f} | "
            f"{english:.0%} | {arabic:.0%} | {'yes' if forms else 'no'} |"
        )
    out += [
        "",
        "### Per extractor (in-process, one representative file each, best run)",
        "",
        f"Baseline: `pdftotext` on the {pages}-page PDF, one process: {1 / one_file:.1f} files/s.",
        "",
        "| kind | file size | files/s | MB/s | × pdftotext files/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, size, per_second, mb in extractors:
        out.append(f"| {kind} | {size / 1024:.0f} KiB | {per_second:.1f} | {mb:.1f} | {per_second * one_file:.2f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(run(quick=True))
