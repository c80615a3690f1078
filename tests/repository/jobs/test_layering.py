"""The jobs package's imports run one way (repository/jobs/__init__.py): queue ← services ← worker ← pool."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top, inside functions or under TYPE_CHECKING."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def reaches(path: Path, *prefixes: str) -> set[str]:
    return {name for name in imported(path) if any(name == p or name.startswith(f"{p}.") for p in prefixes)}


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


@pytest.mark.parametrize("path", modules("repository/jobs"), ids=lambda p: p.name)
def test_workers_never_import_the_web(path: Path) -> None:
    assert reaches(path, "web") == set()
