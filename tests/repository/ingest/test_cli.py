"""`mawrid extract`, `mawrid jobs` and `mawrid jobs retry` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repository.domain import utcnow
from repository.errors import UnsupportedFormat
from repository.jobs import queue as jobs
from repository.jobs.queue import QueuePolicy
from tests.factories import make_item
from tests.repository.ingest import builders
from tests.workers import settings_env
from web.cli import app
from web.wiring import Wiring

runner = CliRunner()


def test_extract_json_has_the_documented_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "مقالة.pdf"
    path.write_bytes(builders.pdf([builders.ARABIC_LINES], title="عنوان المقالة"))
    result = runner.invoke(app, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"mime", "kind", "metadata", "language", "page_count", "text", "warnings"} <= set(out)
    assert out["mime"] == "application/pdf" and out["kind"] == "pdf" and out["page_count"] == 1
    assert out["metadata"]["titles"] == [{"value": "عنوان المقالة", "lang": "ar"}] and out["language"] == "ar"
    assert builders.ARABIC_LINES[0] in out["text"]


def test_extract_refuses_a_hostile_file_with_its_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "course.zip"
    path.write_bytes(builders.symlink_zip())
    result = runner.invoke(app, ["extract", str(path), "--json"])
    assert result.exit_code == UnsupportedFormat.exit_code == 8
    assert "symbolic link" in json.loads(result.stdout)["error"]


def test_jobs_lists_counts_and_reasons_and_retry_requeues(
    worker_wiring: Wiring, collection: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_item(worker_wiring, collection, files={"a.txt": b"first", "b.txt": b"second"})
    job = jobs.claim(worker_wiring.uow(), "w", QueuePolicy(), utcnow())
    assert job is not None
    jobs.fail(worker_wiring.uow(), job.id, "w", "refused: the file is empty", QueuePolicy(), utcnow(), retry=False)
    monkeypatch.chdir(tmp_path)
    env = settings_env(worker_wiring)
    listed = runner.invoke(app, ["jobs", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    out = json.loads(listed.stdout)
    assert out["counts"] == {"queued": 1, "running": 0, "done": 0, "failed": 1}
    [failed] = [j for j in out["jobs"] if j["status"] == "failed"]
    assert failed["error"] == "refused: the file is empty" and failed["file"] in ("a.txt", "b.txt")
    only_failed = json.loads(runner.invoke(app, ["jobs", "--status", "failed", "--json"], env=env).stdout)
    assert [j["id"] for j in only_failed["jobs"]] == [failed["id"]]
    assert runner.invoke(app, ["jobs", "--status", "stuck"], env=env).exit_code != 0
    retried = runner.invoke(app, ["jobs", "retry"], env=env)
    assert retried.exit_code == 0 and "1 failed jobs queued again" in retried.stdout
    assert json.loads(runner.invoke(app, ["jobs", "--json"], env=env).stdout)["counts"]["queued"] == 2
