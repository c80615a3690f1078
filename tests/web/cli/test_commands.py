"""The `mawrid` command, run as a user runs it: a real process with MAWRID_* settings."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.engine import make_engine
from repository.db.uow import reading
from repository.domain import Status
from repository.objects.local import LocalObjectStore
from repository.settings import Settings
from tests.repository.ingest import builders


def mawrid(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", *args],
        env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"mawrid {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MAWRID_DATA_DIR": str(tmp_path / "data"), "MAWRID_SECRET_KEY": "test-secret-key-123"}


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text("دراسة عن المكتبات\nنص الدراسة.", "utf-8")
    (folder / "b.txt").write_text("Second document\nbody", "utf-8")
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "files", "title", "title_lang", "creators", "type", "doi", "date_issued"])
        writer.writerow(
            ["study-1", "a.txt", "دراسة عن المكتبات", "ar", "أحمد خليل|Sara Haddad", "article", "10.5555/1", "2024"]
        )
        writer.writerow(["study-2", "b.txt", "Second document", "en", "", "report", "", "2023-05"])
    return folder


def item_count(env: dict[str, str]) -> int:
    settings = Settings(data_dir=Path(env["MAWRID_DATA_DIR"]), _env_file=None)  # type: ignore[call-arg]
    engine = make_engine(settings.resolved_database_url)
    with reading(engine) as conn:
        n = conn.execute(select(func.count()).select_from(t.items)).scalar_one()
    engine.dispose()
    return int(n)


def test_init_creates_faculties_and_an_administrator(env: dict[str, str]) -> None:
    proc = mawrid(env, "init")
    assert "Administrator repository@qou.edu created" in proc.stdout
    note = Path(env["MAWRID_DATA_DIR"]) / "admin-password.txt"
    assert note.stat().st_mode & 0o077 == 0
    settings = Settings(data_dir=Path(env["MAWRID_DATA_DIR"]), _env_file=None)  # type: ignore[call-arg]
    with reading(make_engine(settings.resolved_database_url)) as conn:
        names = [c.name_en for c in records.list_communities(conn)]
    assert "Faculty of Graduate Studies" in names and "Faculty of Media" in names and len(names) == 9
    assert "created" not in mawrid(env, "init").stdout  # a second init changes nothing


def test_user_disable_revokes_sessions_and_tokens(env: dict[str, str]) -> None:
    mawrid(env, "init")
    mawrid(env, "user", "add", "amal@qou.edu", "--password", "a long enough password")
    token = mawrid(env, "user", "token", "amal@qou.edu").stdout.strip()
    assert token.startswith("mwr_")
    assert "revoked" in mawrid(env, "user", "disable", "amal@qou.edu").stdout
    settings = Settings(data_dir=Path(env["MAWRID_DATA_DIR"]), _env_file=None)  # type: ignore[call-arg]
    engine = make_engine(settings.resolved_database_url)
    with reading(engine) as conn:
        assert conn.execute(select(func.count()).select_from(t.api_tokens)).scalar_one() == 0
        assert conn.execute(select(t.users.c.active).where(t.users.c.email == "amal@qou.edu")).scalar_one() is False
    engine.dispose()
    assert mawrid(env, "user", "disable", "nobody@qou.edu", check=False).returncode == 3


def test_config_masks_secrets(env: dict[str, str]) -> None:
    env = {**env, "MAWRID_DATABASE_URL": "postgresql+psycopg://mawrid:hunter2@db.example:5432/mawrid"}
    proc = mawrid(env, "config")
    assert "hunter2" not in proc.stdout and "test-secret-key-123" not in proc.stdout
    assert "***@db.example:5432/mawrid" in proc.stdout
    assert "MAWRID_MAX_UPLOAD_BYTES" in proc.stdout


def test_import_sheet_is_idempotent(env: dict[str, str], sheet: Path) -> None:
    mawrid(env, "init")
    first = mawrid(env, "import", str(sheet))
    assert "2 items created" in first.stdout
    again = mawrid(env, "import", str(sheet))
    assert "0 items created, 2 already there" in again.stdout
    assert item_count(env) == 2


def test_import_sheet_with_a_bad_row_imports_nothing(env: dict[str, str], sheet: Path) -> None:
    mawrid(env, "init")
    with open(sheet / "metadata.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["study-3", "missing.txt", "Third", "en", "", "novel", "", "2023"])
    proc = mawrid(env, "import", str(sheet), check=False)
    assert proc.returncode == 4
    assert "row 4" in proc.stderr and "type" in proc.stderr
    assert item_count(env) == 0


def test_import_into_unknown_collection_fails_cleanly(env: dict[str, str], sheet: Path) -> None:
    mawrid(env, "init")
    proc = mawrid(env, "import", str(sheet), "--collection", "nowhere", check=False)
    assert proc.returncode == 3 and "no collection 'nowhere'" in proc.stderr
    assert item_count(env) == 0


def test_fixity_reports_a_flipped_byte_and_a_deleted_object(env: dict[str, str], sheet: Path) -> None:
    mawrid(env, "init")
    mawrid(env, "import", str(sheet))
    assert mawrid(env, "fixity").returncode == 0
    store = LocalObjectStore(Path(env["MAWRID_DATA_DIR"]) / "objects")
    keys = sorted(store.keys())
    flipped, deleted = store.root / keys[0], store.root / keys[1]
    data = bytearray(flipped.read_bytes())
    data[0] ^= 0x01
    flipped.chmod(0o644)
    flipped.write_bytes(bytes(data))
    deleted.unlink()
    proc = mawrid(env, "fixity", "--json", check=False)
    assert proc.returncode == 10
    report = json.loads(proc.stdout)
    kinds = {p["key"]: p["kind"] for p in report["problems"]}
    assert kinds == {keys[0]: "mismatch", keys[1]: "missing"}
    assert all(p["items"] for p in report["problems"])


def test_export_then_restore_into_a_new_repository(env: dict[str, str], sheet: Path, tmp_path: Path) -> None:
    mawrid(env, "init")
    mawrid(env, "import", str(sheet))
    bags = tmp_path / "bags"
    mawrid(env, "export", "--all", "--output", str(bags))
    assert (bags / "study-1" / "bagit.txt").is_file()
    record = json.loads((bags / "study-1" / "data" / "metadata.json").read_text("utf-8"))
    assert record["metadata"]["titles"][0]["value"] == "دراسة عن المكتبات"
    assert "دراسة عن المكتبات" in (bags / "study-1" / "data" / "dublin_core.xml").read_text("utf-8")

    other = {**env, "MAWRID_DATA_DIR": str(tmp_path / "other")}
    mawrid(other, "init")
    assert "2 items restored" in mawrid(other, "import", str(bags)).stdout
    settings = Settings(data_dir=tmp_path / "other", _env_file=None)  # type: ignore[call-arg]
    with reading(make_engine(settings.resolved_database_url)) as conn:
        item = records.load_item(conn, "study-1")
    assert item.status is Status.PUBLISHED and item.metadata == record["metadata"]
    assert [f.name for f in item.originals()] == ["a.txt"]


def test_restore_refuses_a_damaged_bag(env: dict[str, str], sheet: Path, tmp_path: Path) -> None:
    mawrid(env, "init")
    mawrid(env, "import", str(sheet))
    bags = tmp_path / "bags"
    mawrid(env, "export", "--item", "study-2", "--output", str(bags))
    (bags / "study-2" / "data" / "files" / "b.txt").write_text("tampered", "utf-8")
    other = {**env, "MAWRID_DATA_DIR": str(tmp_path / "other")}
    mawrid(other, "init")
    proc = mawrid(other, "import", str(bags), check=False)
    assert proc.returncode == 4 and "damaged" in proc.stderr
    assert item_count(other) == 0


def test_unknown_item_export_is_not_found(env: dict[str, str], tmp_path: Path) -> None:
    mawrid(env, "init")
    proc = mawrid(env, "export", "--item", "nope", "--output", str(tmp_path / "x"), check=False)
    assert proc.returncode == 3 and "no item nope" in proc.stderr


def test_import_template_needs_no_path_and_import_without_either_is_a_usage_error(env: dict[str, str]) -> None:
    proc = mawrid(env, "import", "--template")
    rows = list(csv.reader(proc.stdout.splitlines()))
    assert rows[0][:3] == ["id", "collection", "files"] and len(rows) == 2
    bare = mawrid(env, "import", check=False)
    assert bare.returncode == 2 and "--template" in bare.stderr


def test_import_sheet_lists_every_problem_of_every_stage_and_writes_nothing(
    env: dict[str, str], sheet: Path, tmp_path: Path
) -> None:
    mawrid(env, "init")
    mawrid(env, "import", str(sheet), "--no-wait")  # study-1 holds the DOI 10.5555/1
    store = LocalObjectStore(Path(env["MAWRID_DATA_DIR"]) / "objects")
    objects_before = sorted(store.keys())
    folder = tmp_path / "second"
    folder.mkdir()
    for name in ("c.txt", "d.txt", "e.txt"):
        (folder / name).write_text(f"{name} body", "utf-8")
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "collection", "files", "title", "type", "doi", "date_issued"])
        writer.writerow(["second-2", "", "c.txt", "Bad date", "report", "", "2024-13-45"])
        writer.writerow(["second-3", "", "missing.txt", "Missing file", "report", "", "2024"])
        writer.writerow(["second-4", "nowhere", "d.txt", "Unknown collection", "report", "", "2024"])
        writer.writerow(["second-5", "", "e.txt", "Taken DOI", "article", "10.5555/1", "2024"])
    proc = mawrid(env, "import", str(folder), check=False)
    assert proc.returncode == 4, proc.stderr
    assert "metadata.csv row 2" in proc.stderr and "date_issued" in proc.stderr
    assert "metadata.csv row 3: file not found" in proc.stderr and "missing.txt" in proc.stderr
    assert "metadata.csv row 4: no collection 'nowhere'" in proc.stderr
    assert "metadata.csv row 5: the DOI 10.5555/1 already belongs to item study-1" in proc.stderr
    assert item_count(env) == 2
    assert sorted(store.keys()) == objects_before


def item_statuses(env: dict[str, str]) -> dict[str, Status]:
    settings = Settings(data_dir=Path(env["MAWRID_DATA_DIR"]), _env_file=None)  # type: ignore[call-arg]
    engine = make_engine(settings.resolved_database_url)
    with reading(engine) as conn:
        statuses = {r.id: Status(r.status) for r in conn.execute(select(t.items.c.id, t.items.c.status))}
    engine.dispose()
    return statuses


@pytest.fixture
def pdf_sheet(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    good = builders.pdf([["A readable report about digital libraries.", "Its second line of text."]])
    (folder / "good.pdf").write_bytes(good)
    locked = builders.pdf([["A report nobody can read without the password."]])
    (folder / "locked.pdf").write_bytes(builders.encrypted_pdf(locked, "secret"))
    with open(folder / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "files", "title", "type"])
        writer.writerow(["good-1", "good.pdf", "Readable report", "report"])
        writer.writerow(["locked-1", "locked.pdf", "Locked report", "report"])
    return folder


def test_import_publishes_only_items_whose_files_ingested_without_warnings(
    env: dict[str, str], pdf_sheet: Path
) -> None:
    mawrid(env, "init")
    proc = mawrid(env, "import", str(pdf_sheet), "--workers", "1")
    assert "1 files ingested cleanly, 1 with warnings, 0 failed" in proc.stdout
    assert "warning locked.pdf (item locked-1): encrypted" in proc.stdout
    assert "1 items published, 1 left as drafts" in proc.stdout and "draft locked-1" in proc.stdout
    assert "good-1" not in proc.stdout
    assert item_statuses(env) == {"good-1": Status.PUBLISHED, "locked-1": Status.DRAFT}


def test_import_publish_anyway_and_no_wait_publish_warned_items(env: dict[str, str], pdf_sheet: Path) -> None:
    mawrid(env, "init")
    proc = mawrid(env, "import", str(pdf_sheet), "--workers", "1", "--publish-anyway")
    assert "1 with warnings" in proc.stdout and "2 items published, 0 left as drafts" in proc.stdout
    assert item_statuses(env) == {"good-1": Status.PUBLISHED, "locked-1": Status.PUBLISHED}
    other = {**env, "MAWRID_DATA_DIR": env["MAWRID_DATA_DIR"] + "-no-wait"}
    mawrid(other, "init")
    queued = mawrid(other, "import", str(pdf_sheet), "--no-wait")
    assert "2 items published at once, without waiting for their files to be checked" in queued.stdout
    assert item_statuses(other) == {"good-1": Status.PUBLISHED, "locked-1": Status.PUBLISHED}


def test_import_with_a_failed_file_exits_1_and_leaves_its_item_a_draft(env: dict[str, str], pdf_sheet: Path) -> None:
    (pdf_sheet / "slip.zip").write_bytes(builders.zip_bytes([("../../evil.txt", "x")]))
    with open(pdf_sheet / "metadata.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["slip-1", "slip.zip", "Hostile archive", "other"])
    mawrid(env, "init")
    proc = mawrid(env, "import", str(pdf_sheet), "--workers", "1", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "1 files ingested cleanly, 1 with warnings, 1 failed" in proc.stdout
    assert "failed slip.zip (item slip-1)" in proc.stdout and "path traversal" in proc.stdout
    assert "1 items published, 2 left as drafts" in proc.stdout
    assert item_statuses(env) == {"good-1": Status.PUBLISHED, "locked-1": Status.DRAFT, "slip-1": Status.DRAFT}
