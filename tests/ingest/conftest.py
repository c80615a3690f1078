"""Fixtures for the ingest tests: extraction of in-memory files, and worker wiring that child processes can rebuild."""

from __future__ import annotations

import io
import os
from functools import partial

import pytest
from pydantic import SecretStr

from repository.ingest.extract import extract_file
from repository.ingest.jobs import QueuePolicy
from repository.ingest.ports import Extraction
from repository.ingest.sandbox import Limits
from repository.ingest.worker import ResourcesFactory, WorkerConfig
from repository.objects.s3 import S3ObjectStore
from web.wiring import Wiring, wire

# Unicode blocks an extractor must never leave in text: Arabic presentation forms A and B.
PRESENTATION_FORMS = [(0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]


def extract(data: bytes, name: str) -> Extraction:
    return extract_file(io.BytesIO(data), name)


def has_presentation_forms(text: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in PRESENTATION_FORMS)


@pytest.fixture
def worker_wiring(wiring: Wiring) -> Wiring:
    """The `wiring` fixture with settings that name its object store, so worker processes rebuild the same one."""
    settings = wiring.settings
    if isinstance(wiring.store, S3ObjectStore):
        settings = settings.model_copy(
            update={
                "s3_bucket": wiring.store.bucket,
                "s3_prefix": wiring.store.prefix,
                "s3_endpoint_url": wiring.store.client.meta.endpoint_url,
                "s3_access_key_id": "any",
                "s3_secret_access_key": SecretStr("any"),
            }
        )
    return Wiring(settings=settings, engine=wiring.engine, store=wiring.store)


@pytest.fixture
def factory(worker_wiring: Wiring) -> ResourcesFactory:
    return partial(wire, worker_wiring.settings, migrate_schema=False)


def settings_env(wiring: Wiring) -> dict[str, str]:
    """The environment that makes `mawrid` commands use this wiring's database and store (short leases)."""
    settings = wiring.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAWRID_")}
    env.update(MAWRID_DATA_DIR=str(settings.data_dir), MAWRID_JOB_LEASE_SECONDS="2")
    if settings.database_url:
        env["MAWRID_DATABASE_URL"] = settings.database_url
    if settings.s3_bucket:
        env.update(
            MAWRID_S3_BUCKET=settings.s3_bucket, MAWRID_S3_PREFIX=settings.s3_prefix,
            MAWRID_S3_ENDPOINT_URL=settings.s3_endpoint_url or "",
            MAWRID_S3_ACCESS_KEY_ID="any", MAWRID_S3_SECRET_ACCESS_KEY="any",
        )  # fmt: skip
    return env


# Short leases and no backoff, so retries and lease expiry happen within a test.
FAST = WorkerConfig(
    policy=QueuePolicy(lease_seconds=2, max_attempts=3, backoff_seconds=0),
    limits=Limits(seconds=60, memory_mb=2048),
    poll_seconds=0.1,
)


# --- corpus results per kind, in the terminal summary ---------------------------------------------

CORPUS_TEST = "test_corpus.py::test_corpus_file["
_corpus_outcomes: dict[str, bool] = {}
OCR_CER: dict[str, float] = {}  # "ar 300 dpi" → character error rate, filled by test_ocr.py


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if CORPUS_TEST in report.nodeid and (report.when == "call" or report.failed):
        path = report.nodeid.split(CORPUS_TEST, 1)[1][:-1]
        _corpus_outcomes[path] = _corpus_outcomes.get(path, True) and report.passed


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OCR_CER:
        rates = ", ".join(f"{page} {rate:.1%}" for page, rate in sorted(OCR_CER.items()))
        terminalreporter.write_line(f"OCR character error rate per scanned page: {rates}")
    if not _corpus_outcomes:
        return
    from tests.ingest.test_corpus import ENTRIES

    per_kind: dict[str, list[bool]] = {}
    for entry in ENTRIES:
        if entry["path"] in _corpus_outcomes:
            per_kind.setdefault(entry["kind"], []).append(_corpus_outcomes[entry["path"]])
    listed = ", ".join(f"{kind} {sum(ok)}/{len(ok)}" for kind, ok in sorted(per_kind.items()))
    terminalreporter.write_line(f"corpus, passed/total per kind: {listed}")
