"""OCR throughput: scanned PDFs ingested by 2 workers, against the plain `tesseract` CLI on the same page images.

The scans are drawn by tests/repository/ingest/builders.py (shaped Arabic and English print, 300 dpi, noise from a
fixed seed) and saved twice: as image-only PDFs for ingest and as PNG files for the baseline, which runs
`tesseract IMAGE - -l ara+eng --dpi 300`, 2 at a time, one thread each (as the workers run it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.ingest import WORKERS, ingest_seconds
from tests.repository.ingest import builders

DPI = 300


def make_scans(folder: Path, files: int, pages: int) -> tuple[list[Path], list[Path]]:
    """(PDFs, PNG page images): `files` image-only PDFs of `pages` pages, Arabic and English in turn."""
    pdfs, images = [], []
    for n in range(files):
        pictures = []
        for p in range(pages):
            lines = builders.SCAN_ARABIC if (n + p) % 2 == 0 else builders.SCAN_ENGLISH
            picture = builders.scanned_page(lines, dpi=DPI, seed=n * 100 + p)
            image = folder / f"scan{n:02}-{p:02}.png"
            picture.save(image)
            images.append(image)
            pictures.append(picture)
        pdf = folder / f"scan{n:02}.pdf"
        pdf.write_bytes(builders.image_pdf(pictures, DPI))
        pdfs.append(pdf)
    return pdfs, images


def tesseract_seconds(images: list[Path]) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(image: Path) -> None:
        args = ["tesseract", str(image), "-", "-l", "ara+eng", "--dpi", str(DPI)]
        subprocess.run(args, check=True, capture_output=True, env=env)

    with ThreadPoolExecutor(WORKERS) as pool:
        started = time.perf_counter()
        list(pool.map(one, images))
        return time.perf_counter() - started


def run(quick: bool = False) -> str:
    if shutil.which("tesseract") is None:
        return "## OCR\n\n`tesseract` (tesseract-ocr) is not installed: no baseline, nothing measured.\n"
    languages = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    if not {"ara", "eng"} <= set(re.findall(r"^\w+$", languages, re.MULTILINE)):
        return "## OCR\n\nTesseract lacks its Arabic or English model (tesseract-ocr-ara, -eng): nothing measured.\n"
    files, pages = (2, 2) if quick else (4, 3)
    with tempfile.TemporaryDirectory(prefix="mawrid-bench-ocr-") as tmp:
        folder = Path(tmp)
        pdfs, images = make_scans(folder, files, pages)
        baseline = min(tesseract_seconds(images) for _ in range(1 if quick else 2))
        cold, warm = ingest_seconds(pdfs, folder / "repo")
    total = files * pages

    def per_minute(seconds: float) -> str:
        return f"{total / seconds * 60:.1f}"

    return "\n".join(
        [
            "## OCR",
            f"{files} image-only PDFs × {pages} scanned pages ({DPI} dpi, Arabic and English in turn), "
            f"{WORKERS} workers, embedded deployment. Baseline: `tesseract` CLI on the same page images, "
            f"{WORKERS} at a time, one thread each, in this run.",
            "",
            "| run | seconds | pages/min | × tesseract |",
            "|---|---:|---:|---:|",
            f"| tesseract alone (baseline) | {baseline:.1f} | {per_minute(baseline)} | 1.00 |",
            f"| ingest, workers already running | {warm:.1f} | {per_minute(warm)} | {baseline / warm:.2f} |",
            f"| ingest, including worker start-up | {cold:.1f} | {per_minute(cold)} | {baseline / cold:.2f} |",
            "",
            "Ingest does per page what tesseract does plus: rendering the page with PDFium, a median filter, "
            "Tesseract's text-only PDF layer laid over the original, and per file detection, metadata, a "
            "thumbnail, the sandbox and one database transaction.",
        ]
    )


if __name__ == "__main__":
    print(run(quick=True))
