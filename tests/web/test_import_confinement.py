"""A sheet uploaded through the workspace can name only the files uploaded with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from repository.db import tables as t
from repository.db.uow import reading
from repository.errors import InvalidInput
from repository.services import batch
from web.wiring import Wiring


def _counts(wiring: Wiring) -> tuple[int, int]:
    with reading(wiring.engine) as conn:
        items = conn.execute(select(func.count()).select_from(t.items)).scalar_one()
        files = conn.execute(select(func.count()).select_from(t.files)).scalar_one()
    return int(items), int(files)


def _post_sheet(client: TestClient, staff: str, collection: str, files_column: str) -> tuple[int, str]:
    sheet = f"collection,files,title,type\n{collection},{files_column},Stolen,article\n"
    response = client.post(
        "/workspace/import",
        data={"csrf_token": staff, "collection": collection, "publish": "no"},
        files=[
            ("sheet", ("metadata.csv", sheet.encode(), "text/csv")),
            ("files", ("a.pdf", b"%PDF-1.4 a", "application/pdf")),
        ],
    )
    return response.status_code, response.text


def test_an_uploaded_sheet_cannot_import_files_from_the_server(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    wiring.settings.secret()  # the key file a stolen copy would let anyone forge sessions with
    secret_key = (wiring.settings.data_dir / "secret_key").resolve()
    outside = [
        str(secret_key),
        "/etc/passwd",
        "/proc/self/environ",
        "../../secret_key",
        "../secret_key",
        "./../../../etc/passwd",
    ]
    pages = {}
    for path in outside:
        status, page = _post_sheet(client, staff, collection, path)
        assert status == 400, (path, status)
        pages[path] = page
        assert _counts(wiring) == (0, 0), path
        assert "root:" not in page and secret_key.read_text() not in page
    # An outside file that exists answers exactly like one that does not.
    _, missing = _post_sheet(client, staff, collection, "/etc/no-such-file-here")
    assert "no file &#39;/etc/no-such-file-here&#39; among the uploaded files" in missing
    assert "no file &#39;/etc/passwd&#39; among the uploaded files" in pages["/etc/passwd"]
    assert "not found" not in pages["/etc/passwd"] and "not found" not in missing


def test_a_symlink_out_of_the_sheet_folder_is_refused_in_a_confined_read(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    (tmp_path / "secret").write_text("s3cr3t")
    (folder / "inside.pdf").write_bytes(b"%PDF-1.4")
    (folder / "link.pdf").symlink_to(tmp_path / "secret")
    (folder / batch.SHEET_NAME).write_text("files,title\ninside.pdf,In\nlink.pdf,Out\n")
    with pytest.raises(InvalidInput) as refused:
        batch.read_sheet(folder / batch.SHEET_NAME, confined=True)
    assert "no file 'link.pdf' among the uploaded files" in refused.value.message
    assert "inside.pdf" not in refused.value.message


def test_the_operator_import_keeps_its_local_paths(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "report.pdf"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"%PDF-1.4")
    sheet = tmp_path / "sheets" / batch.SHEET_NAME
    sheet.parent.mkdir()
    sheet.write_text(f"files,title\n{elsewhere},Absolute\n../elsewhere/report.pdf,Relative\n")
    entries = batch.read_sheet(sheet, confined=False)
    assert [e.files[0].resolve() for e in entries] == [elsewhere, elsewhere]
    with pytest.raises(InvalidInput):
        batch.read_sheet(sheet, confined=True)
