"""The librarian workspace: sign-in, CSRF, throttling, upload, review with suggestions, history, admin."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Role, Status
from repository.services.deposit import update_metadata
from repository.services.users import add_user
from tests.conftest import LIBRARIAN
from tests.factories import make_item, metadata
from tests.web.conftest import PASSWORD, csrf_of, sign_in
from web.wiring import Wiring


def rows(wiring: Wiring, table: t.Table) -> int:  # type: ignore[name-defined]
    with reading(wiring.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_workspace_sends_readers_to_sign_in_and_keeps_the_page(client: TestClient) -> None:
    response = client.get("/workspace/jobs?status=failed", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fworkspace%2Fjobs%3Fstatus%3Dfailed"


def test_sign_in_sets_a_hardened_session_cookie(client: TestClient, wiring: Wiring) -> None:
    add_user(wiring.uow(), "amal@qou.edu", PASSWORD, Role.LIBRARIAN)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "amal@qou.edu", "password": PASSWORD, "csrf_token": token, "next": "/workspace/jobs"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/workspace/jobs"
    cookie = response.headers["set-cookie"].lower()
    assert "mawrid_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/workspace").status_code == 200


def test_forms_without_the_csrf_token_are_refused(client: TestClient, wiring: Wiring, collection: str) -> None:
    add_user(wiring.uow(), "amal@qou.edu", PASSWORD, Role.LIBRARIAN)
    client.get("/login")
    forged = client.post("/login", data={"email": "amal@qou.edu", "password": PASSWORD}, follow_redirects=False)
    assert forged.status_code == 403
    sign_in(client, wiring, email="other@qou.edu")
    before = rows(wiring, t.items)
    refused = client.post(
        "/workspace/upload", data={"collection": collection, "title": "x", "type": "article", "csrf_token": "forged"}
    )
    assert refused.status_code == 403 and rows(wiring, t.items) == before


def test_failed_sign_ins_are_throttled(client: TestClient, wiring: Wiring) -> None:
    add_user(wiring.uow(), "amal@qou.edu", PASSWORD, Role.LIBRARIAN)
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post(
            "/login", data={"email": "amal@qou.edu", "password": "not the password!", "csrf_token": token}
        )
        assert wrong.status_code == 401
    blocked = client.post("/login", data={"email": "amal@qou.edu", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_upload_form_creates_a_draft_with_its_files_and_jobs(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    response = client.post(
        "/workspace/upload",
        data={
            "csrf_token": staff,
            "collection": collection,
            "title": "",
            "type": "thesis",
            "title_lang": "ar",
            "creators": "خليل، أحمد\nHaddad, Sara",
            "subjects": "مكتبات",
            "license": "",
        },
        files=[
            ("files", ("رسالة ماجستير.pdf", io.BytesIO(b"%PDF-1.4 test"), "application/pdf")),
            ("files", ("notes.txt", io.BytesIO("ملاحظات".encode()), "text/plain")),
        ],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    item_id = response.headers["location"].rsplit("/", 1)[1]
    with reading(wiring.engine) as conn:
        item = records.load_item(conn, item_id)
    assert item.status is Status.DRAFT and item.title == "رسالة ماجستير"  # from the file name, until extraction
    assert item.suggestions == {"provisional": ["titles"]}
    assert [c["name"] for c in item.metadata["creators"]] == ["خليل، أحمد", "Haddad, Sara"]
    assert [f.name for f in item.files] == ["رسالة ماجستير.pdf", "notes.txt"] and rows(wiring, t.ingest_jobs) == 2
    page = client.get(response.headers["location"], headers={"accept-language": "en"}).text
    assert "The item was created" in page and "رسالة ماجستير.pdf" in page


def test_an_oversized_upload_is_refused_before_its_body_is_read(client: TestClient, wiring: Wiring, staff: str) -> None:
    limit = wiring.settings.max_upload_bytes

    def body() -> object:
        raise AssertionError("the body must not be read")
        yield b""  # pragma: no cover

    response = client.post(
        "/workspace/upload",
        content=body(),  # type: ignore[arg-type]
        headers={"content-length": str(limit + 2 * 1024 * 1024), "content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413 and response.headers["connection"] == "close"
    api = client.post("/api/items/x/files?name=a.pdf", content=b"", headers={"content-length": str(limit + 10**7)})
    assert api.status_code == 413 and api.json()["type"].endswith("/too-large")


def test_suggestions_can_be_accepted_one_by_one_or_all(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item = make_item(wiring, collection, "scan_0042", published=False)
    with wiring.uow() as uow:  # what an extractor would have proposed
        uow.conn.execute(
            t.items.update()
            .where(t.items.c.id == item.id)
            .values(
                suggestions={
                    "titles": [{"value": "إدارة المياه في الأغوار", "lang": "ar"}],
                    "language": "ar",
                    "date_issued": "2019",
                    "provisional": ["titles"],  # the title came from the file name
                }
            )
        )
    page = client.get(f"/workspace/items/{item.id}", headers={"accept-language": "en"}).text
    assert "إدارة المياه في الأغوار" in page and "Fill empty fields from suggestions" in page
    client.post(f"/workspace/items/{item.id}", data={"csrf_token": staff, "accept": "language"})
    with reading(wiring.engine) as conn:
        one = records.load_item(conn, item.id)
    assert one.metadata["language"] == "ar" and one.title == "scan_0042"
    client.post(f"/workspace/items/{item.id}", data={"csrf_token": staff, "accept": "all"})
    with reading(wiring.engine) as conn:
        everything = records.load_item(conn, item.id)
    assert everything.title == "إدارة المياه في الأغوار" and everything.metadata["date_issued"] == "2019"


def test_accepting_all_suggestions_keeps_the_authors_and_subjects_a_librarian_typed(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    typed = {"creators": [{"name": "Haddad, Sara"}], "subjects": [{"value": "Water management", "lang": "en"}]}
    item = make_item(wiring, collection, "Water in the Jordan valley", published=False, **typed)
    with wiring.uow() as uow:  # what an extractor proposed after the librarian typed
        uow.conn.execute(
            t.items.update()
            .where(t.items.c.id == item.id)
            .values(
                suggestions={
                    "creators": [{"name": "S. Haddad"}, {"name": "Unknown"}],
                    "subjects": [{"value": "Hydrology"}],
                    "date_issued": "2019",
                }
            )
        )
    page = client.get(f"/workspace/items/{item.id}", headers={"accept-language": "en"}).text
    assert 'name="replace" value="creators"' in page and 'name="replace" value="subjects"' in page
    assert 'name="accept" value="date_issued"' in page
    client.post(f"/workspace/items/{item.id}", data={"csrf_token": staff, "accept": "all"})
    client.post(
        f"/workspace/items/{item.id}", data={"csrf_token": staff, "accept": "creators"}
    )  # not a choice to replace
    with reading(wiring.engine) as conn:
        kept = records.load_item(conn, item.id)
    assert kept.metadata["creators"] == typed["creators"] and kept.metadata["subjects"] == typed["subjects"]
    assert kept.metadata["date_issued"] == "2019"
    client.post(f"/workspace/items/{item.id}", data={"csrf_token": staff, "replace": "subjects"})
    with reading(wiring.engine) as conn:
        replaced = records.load_item(conn, item.id)
    assert replaced.metadata["subjects"] == [{"value": "Hydrology"}]
    assert replaced.metadata["creators"] == typed["creators"]


def test_arabic_typed_in_the_english_interface_is_stored_as_arabic_unless_a_language_was_chosen(
    client: TestClient, wiring: Wiring, collection: str, staff: str, token: str
) -> None:
    en = {"accept-language": "en"}
    upload = client.get("/workspace/upload", headers=en).text
    assert '<option value="" selected>Detect from the text</option>' in upload
    response = client.post(
        "/workspace/upload",
        headers=en,
        data={"csrf_token": staff, "collection": collection, "type": "thesis", "title": "إدارة المياه في الأغوار"},
        follow_redirects=False,
    )
    item_id = response.headers["location"].rsplit("/", 1)[1]
    with reading(wiring.engine) as conn:
        assert records.load_item(conn, item_id).metadata["titles"] == [
            {"value": "إدارة المياه في الأغوار", "lang": "ar"}
        ]
    form = {
        "csrf_token": staff,
        "titles-value": ["إدارة المياه في الأغوار", "Water management in the Jordan valley", "Gestion de l'eau"],
        "titles-lang": ["", "", "fr"],  # the third language was chosen by the librarian
        "subjects-value": ["المياه الجوفية", ""],
        "subjects-lang": ["en", ""],  # an explicit choice, even a surprising one, is kept
        "type": "thesis",
    }
    client.post(f"/workspace/items/{item_id}", data=form, headers=en)
    with reading(wiring.engine) as conn:
        item = records.load_item(conn, item_id)
    assert item.metadata["titles"] == [
        {"value": "إدارة المياه في الأغوار", "lang": "ar"},
        {"value": "Water management in the Jordan valley", "lang": "en"},
        {"value": "Gestion de l'eau", "lang": "fr"},
    ]
    assert item.metadata["subjects"] == [{"value": "المياه الجوفية", "lang": "en"}]
    api = client.post(
        "/api/items",
        json={"collection": collection, "metadata": {"titles": [{"value": "مناهج البحث العلمي"}], "type": "book"}},
        headers={"authorization": f"Bearer {token}"},
    )
    assert api.status_code == 201 and api.json()["metadata"]["titles"] == [
        {"value": "مناهج البحث العلمي", "lang": "ar"}
    ]


def test_editing_metadata_keeps_history_with_word_differences(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item = make_item(wiring, collection, "A study of libraries", published=False)
    form = {
        "csrf_token": staff,
        "titles-value": ["A study of digital libraries", ""],
        "titles-lang": ["en", ""],
        "creators-name": ["Haddad, Sara", ""],
        "creators-orcid": ["", ""],
        "creators-affiliation": ["QOU", ""],
        "type": "report",
        "date_issued": "2020-02",
        "license-uri": "https://creativecommons.org/licenses/by/4.0/",
    }
    saved = client.post(f"/workspace/items/{item.id}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    with reading(wiring.engine) as conn:
        stored = records.load_item(conn, item.id)
    assert stored.metadata == {
        "titles": [{"value": "A study of digital libraries", "lang": "en"}],
        "creators": [{"name": "Haddad, Sara", "affiliation": "QOU"}],
        "type": "report",
        "date_issued": "2020-02",
        "license": {"uri": "https://creativecommons.org/licenses/by/4.0/"},
    }
    history = client.get(f"/workspace/items/{item.id}/history").text
    assert "<ins>digital</ins>" in history
    bad = client.post(
        f"/workspace/items/{item.id}", data=form | {"date_issued": "last year"}, headers={"accept-language": "en"}
    )
    assert bad.status_code == 422 and "Date issued: has an invalid format (&#39;last year&#39;)" in bad.text
    client.cookies.set("mawrid_lang", "ar")
    arabic = client.post(f"/workspace/items/{item.id}", data=form | {"date_issued": "last year"})
    assert arabic.status_code == 422 and "تاريخ الإصدار: صيغته غير صالحة (&#39;last year&#39;)" in arabic.text


def test_history_reads_as_named_fields_and_values_in_either_language(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item = make_item(
        wiring, collection, "Water in the Jordan valley", published=False, subjects=[{"value": "Water", "lang": "en"}]
    )
    edited = metadata(
        "Water in the Jordan valley", subjects=[{"value": "Water", "lang": "en"}, {"value": "مياه", "lang": "ar"}]
    )
    update_metadata(
        wiring.uow(), LIBRARIAN, item.id, edited | {"license": {"uri": "https://opensource.org/license/mit"}}
    )

    english = client.get(f"/workspace/items/{item.id}/history", headers={"accept-language": "en"}).text
    latest = english.split('<section class="card"')[1]
    assert "Metadata edited" in latest and ">Subjects<" in latest and ">Licence<" in latest
    assert "<ins>مياه (Arabic)</ins>" in latest and "<ins>MIT License</ins>" in latest
    assert "{" not in latest and "metadata." not in latest and '"lang"' not in latest

    client.cookies.set("mawrid_lang", "ar")
    arabic = client.get(f"/workspace/items/{item.id}/history").text.split('<section class="card"')[1]
    assert "عُدّلت البيانات الوصفية" in arabic and ">الموضوعات<" in arabic and "مياه (العربية)" in arabic


def test_workflow_buttons_publish_embargo_and_withdraw(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    item = make_item(wiring, collection, "Workflow", published=False)
    client.post(f"/workspace/items/{item.id}/action", data={"csrf_token": staff, "action": "publish"})
    client.post(
        f"/workspace/items/{item.id}/access",
        data={"csrf_token": staff, "visibility": "restricted", "embargo_until": "2031-01-01"},
    )
    with reading(wiring.engine) as conn:
        done = records.load_item(conn, item.id)
    assert done.status is Status.PUBLISHED and done.visibility.value == "restricted"
    assert done.embargo_until is not None and done.embargo_until.year == 2031
    edit = client.get(f"/workspace/items/{item.id}", headers={"accept-language": "en"}).text
    assert f'href="/workspace/items/{item.id}/withdraw"' in edit  # a confirmation step, not a one-click button
    refused = client.post(f"/workspace/items/{item.id}/action", data={"csrf_token": staff, "action": "withdraw"})
    assert refused.status_code == 400
    empty = client.post(f"/workspace/items/{item.id}/withdraw", data={"csrf_token": staff, "reason": "  "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    with reading(wiring.engine) as conn:
        assert records.load_item(conn, item.id).status is Status.PUBLISHED
    client.post(
        f"/workspace/items/{item.id}/withdraw", data={"csrf_token": staff, "reason": "Duplicate of 2019 thesis"}
    )
    with reading(wiring.engine) as conn:
        assert records.load_item(conn, item.id).status is Status.WITHDRAWN
    client.cookies.clear()  # a reader
    with wiring.uow() as uow:
        uow.conn.execute(t.items.update().where(t.items.c.id == item.id).values(visibility="public"))
    tombstone = client.get(f"/items/{item.id}", headers={"accept-language": "en"})
    assert tombstone.status_code == 410 and "Reason for withdrawal" in tombstone.text
    assert "Duplicate of 2019 thesis" in tombstone.text
    assert client.get(f"/api/items/{item.id}").json()["reason"] == "Duplicate of 2019 thesis"


def test_batch_import_page_checks_the_sheet_and_imports(
    client: TestClient, wiring: Wiring, collection: str, staff: str
) -> None:
    template = client.get("/workspace/import/template.csv")
    assert template.headers["content-type"].startswith("text/csv") and "collection" in template.text
    sheet = (
        "collection,files,title,type\n"
        + f"{collection},a.pdf,أول بحث,article\n"
        + f"{collection},b.pdf,Second,report\n"
    )
    missing = client.post(
        "/workspace/import",
        data={"csrf_token": staff, "collection": collection, "publish": "no"},
        files=[
            ("sheet", ("metadata.csv", sheet.encode(), "text/csv")),
            ("files", ("a.pdf", b"%PDF-1.4 a", "application/pdf")),
        ],
    )
    assert missing.status_code == 400 and rows(wiring, t.items) == 0
    done = client.post(
        "/workspace/import",
        data={"csrf_token": staff, "collection": collection, "publish": "no"},
        files=[
            ("sheet", ("metadata.csv", sheet.encode(), "text/csv")),
            ("files", ("a.pdf", b"%PDF-1.4 a", "application/pdf")),
            ("files", ("b.pdf", b"%PDF-1.4 b", "application/pdf")),
        ],
    )
    assert done.status_code == 200 and rows(wiring, t.items) == 2 and rows(wiring, t.ingest_jobs) == 2


def test_api_tokens_are_shown_once(client: TestClient, wiring: Wiring, staff: str) -> None:
    page = client.post("/workspace/tokens", data={"csrf_token": staff, "label": "harvest script"}).text
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("mwr_") and page.count(secret) == 1
    assert secret not in client.get("/workspace/tokens").text
    fresh = TestClient(client.app)
    assert fresh.get("/api/jobs", headers={"authorization": f"Bearer {secret}"}).status_code == 200


def test_a_revoked_token_opens_nothing(client: TestClient, wiring: Wiring, staff: str) -> None:
    page = client.post("/workspace/tokens", data={"csrf_token": staff, "label": "old script"}).text
    secret = page.split('id="new-token">')[1].split("<")[0]
    token_id = re.search(r'action="/workspace/tokens/(\d+)/revoke"', page).group(1)  # type: ignore[union-attr]
    fresh = TestClient(client.app)
    assert fresh.get("/api/jobs", headers={"authorization": f"Bearer {secret}"}).status_code == 200
    client.post(f"/workspace/tokens/{token_id}/revoke", data={"csrf_token": staff})
    assert fresh.get("/api/jobs", headers={"authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post(f"/workspace/tokens/{token_id}/revoke", data={"csrf_token": staff}).status_code == 404


def test_failed_jobs_can_be_queued_again(client: TestClient, wiring: Wiring, staff: str, collection: str) -> None:
    from sqlalchemy import update

    from repository.domain import JobStatus

    make_item(wiring, collection, files={"a.txt": b"alpha"})
    with wiring.uow() as uow:
        uow.conn.execute(update(t.ingest_jobs).values(status=JobStatus.FAILED.value, error="boom", attempts=3))
    assert "/workspace/jobs/retry" in client.get("/workspace/jobs").text
    client.post("/workspace/jobs/retry", data={"csrf_token": staff})
    with wiring.uow() as uow:
        assert uow.conn.execute(select(t.ingest_jobs.c.status, t.ingest_jobs.c.attempts)).all() == [("queued", 0)]


def test_only_administrators_manage_users_and_collections(client: TestClient, wiring: Wiring) -> None:
    token = sign_in(client, wiring, Role.LIBRARIAN, "librarian@qou.edu")
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post(
            "/admin/communities", data={"csrf_token": token, "slug": "x", "name_en": "X", "name_ar": "س"}
        ).status_code
        == 403
    )
    admin_client = TestClient(client.app)
    admin_token = sign_in(admin_client, wiring, Role.ADMIN, "admin@qou.edu")
    created = admin_client.post(
        "/admin/communities",
        data={"csrf_token": admin_token, "slug": "arts", "name_en": "Faculty of Arts", "name_ar": "كلية الآداب"},
    )
    assert created.status_code == 200 and "Faculty of Arts" in created.text
    duplicate = admin_client.post(
        "/admin/communities",
        data={"csrf_token": admin_token, "slug": "arts", "name_en": "Again", "name_ar": "مرة أخرى"},
    )
    assert duplicate.status_code == 409
    user = admin_client.post(
        "/admin/users",
        data={"csrf_token": admin_token, "email": "new@qou.edu", "password": "short", "role": "librarian"},
    )
    assert user.status_code == 400 and "new@qou.edu" in user.text
