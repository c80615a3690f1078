"""The jobs package's imports run one way (repository/jobs/__init__.py): queue ← services ← worker ← pool.

That no module of the repository layer, the workers among them, imports the web is tests/test_layers.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import ROOT, modules, reaches


@pytest.mark.parametrize("path", modules("repository/ingest"), ids=lambda p: p.name)
def test_extraction_imports_neither_the_queue_nor_the_services(path: Path) -> None:
    assert reaches(path, "repository.jobs", "repository.services") == set()


def test_the_queue_imports_no_service_and_no_worker() -> None:
    queue = ROOT / "repository/jobs/queue.py"
    assert (
        reaches(queue, "repository.services", "repository.ingest", "repository.jobs.worker", "repository.jobs.pool")
        == set()
    )


@pytest.mark.parametrize("path", modules("repository/services"), ids=lambda p: p.name)
def test_services_use_only_the_queue_of_the_jobs_package(path: Path) -> None:
    used = reaches(path, "repository.jobs") - {"repository.jobs"}  # the package itself imports nothing
    assert all(name.startswith("repository.jobs.queue") for name in used), used
