"""Administration: communities and collections, staff accounts, submitters and their review queue."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from indexer.sync import sync
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import SYSTEM, Role, Status
from repository.errors import Forbidden
from repository.services import users
from repository.services.collections import create_collection, create_community
from repository.services.workflow import publish_item
from tests.factories import make_item
from tests.web.conftest import PASSWORD, csrf_of, submit_login
from tests.web.test_workspace import rows
from web.wiring import Wiring

EN = {"accept-language": "en"}
AR = {"accept-language": "ar"}


def test_administrator_renames_describes_moves_and_deletes_collections(
    client: TestClient, wiring: Wiring, staff: str, collection: str
) -> None:
    create_community(wiring.uow(), SYSTEM, "arts", "Faculty of Arts", "كلية الآداب")
    item = make_item(wiring, collection, "Press freedom in Palestine")
    moved = client.post(
        f"/admin/collections/{collection}",
        data={
            "csrf_token": staff,
            "name_en": "Journalism and Media Studies",
            "name_ar": "الصحافة والدراسات الإعلامية",
            "description": "Theses and articles on the press.",
            "description_ar": "رسائل ومقالات عن الصحافة.",
            "community": "arts",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    with reading(wiring.engine) as conn:
        col = records.load_collection(conn, collection)
        after = records.load_item(conn, item.id)
        last = records.list_versions(conn, item.id)[-1]
    assert (col.community_id, col.name_en, col.description_ar) == (
        "arts",
        "Journalism and Media Studies",
        "رسائل ومقالات عن الصحافة.",
    )
    # The item's OAI set changed with its faculty: a new version, a datestamp harvesters see, a mark for the index.
    assert after.version == item.version + 1 and after.datestamp >= item.datestamp
    assert last.action == "move-collection" and last.changes["community"] == {"old": "media", "new": "arts"}

    page = client.get(f"/items/{item.id}", headers=EN).text
    assert 'Journalism and Media Studies</a> — <a href="/communities/arts">Faculty of Arts' in page
    assert "رسائل ومقالات عن الصحافة." in client.get(f"/collections/{collection}", headers=AR).text
    assert "Theses and articles on the press." in client.get(f"/collections/{collection}", headers=EN).text

    refused = client.post(f"/admin/collections/{collection}/delete", data={"csrf_token": staff}, headers=EN)
    assert refused.status_code == 409
    assert "This collection still holds 1 item (" in refused.text
    refused_ar = client.post(f"/admin/collections/{collection}/delete", data={"csrf_token": staff}, headers=AR)
    assert "لا تزال هذه المجموعة تضم مادة واحدة" in refused_ar.text
    with reading(wiring.engine) as conn:
        assert records.load_collection(conn, collection).id == collection

    create_collection(wiring.uow(), SYSTEM, "media", "empty", "Empty", "فارغة")
    gone = client.post("/admin/collections/empty/delete", data={"csrf_token": staff}, follow_redirects=False)
    assert gone.status_code == 303
    with reading(wiring.engine) as conn:
        assert conn.execute(select(t.collections.c.id).where(t.collections.c.id == "empty")).first() is None

    renamed = client.post(
        "/admin/communities/media",
        data={
            "csrf_token": staff,
            "name_en": "Faculty of Media",
            "name_ar": "كلية الإعلام",
            "description": "",
            "description_ar": "عن الكلية",
        },
        follow_redirects=False,
    )
    assert renamed.status_code == 303
    assert client.post("/admin/communities/arts/delete", data={"csrf_token": staff}, headers=EN).status_code == 409
    emptied = client.post("/admin/communities/media/delete", data={"csrf_token": staff}, follow_redirects=False)
    assert emptied.status_code == 303  # its only collection moved to the arts and the empty one was deleted


def test_collections_are_listed_with_their_faculty(
    client: TestClient, wiring: Wiring, staff: str, collection: str
) -> None:
    create_community(wiring.uow(), SYSTEM, "arts", "Faculty of Arts", "كلية الآداب")
    create_collection(wiring.uow(), SYSTEM, "arts", "arts-theses", "Theses", "الرسائل")
    create_collection(wiring.uow(), SYSTEM, "media", "media-theses", "Theses", "الرسائل")
    listing = client.get("/admin/collections", headers=EN).text
    assert listing.count("<td>Faculty of Arts</td>") == 1 and "<td>Media</td>" in listing
    upload = client.get("/workspace/upload", headers=EN).text
    assert '<optgroup label="Faculty of Arts">' in upload and '<optgroup label="Media">' in upload
    make_item(wiring, "arts-theses", "Poetry of the Nakba")
    make_item(wiring, "media-theses", "Poetry on the radio")
    sync(wiring.engine, wiring.store, wiring.index)
    found = client.get("/search", params={"q": "poetry"}, headers=EN).text
    assert "Theses — Faculty of Arts" in found and "Theses — Media" in found  # two "Theses" facets told apart
    assert "الرسائل — كلية الآداب" in client.get("/search", params={"q": "poetry"}, headers=AR).text


# --- staff accounts ---------------------------------------------------------------------------


def _user_id(wiring: Wiring, email: str) -> int:
    return next(u.id for u in users.list_users(wiring.uow()) if u.email == email)


def test_a_disabled_user_cannot_sign_in_and_their_session_and_tokens_stop_working(
    client: TestClient, wiring: Wiring, staff: str
) -> None:
    users.add_user(wiring.uow(), "leaver@qou.edu", PASSWORD, Role.LIBRARIAN)
    secret = users.create_api_token(wiring.uow(), _user_id(wiring, "leaver@qou.edu"), "scripts")
    other = TestClient(client.app)
    assert submit_login(other, "leaver@qou.edu", PASSWORD).status_code == 303
    assert other.get("/workspace").status_code == 200
    assert client.get("/api/jobs", headers={"authorization": f"Bearer {secret}"}).status_code == 200

    leaver = _user_id(wiring, "leaver@qou.edu")
    done = client.post(f"/admin/users/{leaver}/disable", data={"csrf_token": staff}, follow_redirects=False)
    assert done.status_code == 303
    assert "Disabled" in client.get("/admin/users", headers=EN).text

    assert other.get("/workspace", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/api/jobs", headers={"authorization": f"Bearer {secret}"}).status_code == 401
    refused = submit_login(TestClient(client.app), "leaver@qou.edu", PASSWORD)
    assert refused.status_code == 401 and "Wrong email or password." in refused.text

    client.post(f"/admin/users/{leaver}/enable", data={"csrf_token": staff})
    assert submit_login(TestClient(client.app), "leaver@qou.edu", PASSWORD).status_code == 303


def test_an_administrator_changes_a_role_and_resets_a_password_shown_once(
    client: TestClient, wiring: Wiring, staff: str
) -> None:
    users.add_user(wiring.uow(), "forgetful@qou.edu", PASSWORD, Role.LIBRARIAN)
    uid = _user_id(wiring, "forgetful@qou.edu")
    client.post(f"/admin/users/{uid}/role", data={"csrf_token": staff, "role": "admin"})
    assert users.find_user(wiring.uow(), uid).role is Role.ADMIN

    reset = client.post(f"/admin/users/{uid}/password", data={"csrf_token": staff}, headers=EN)
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    match = re.search(r'<code class="ltr">([^<]+)</code>', reset.text)
    assert match, "the temporary password is not shown"
    temporary = match.group(1)
    assert temporary not in client.get(f"/admin/users/{uid}").text  # once only
    assert submit_login(TestClient(client.app), "forgetful@qou.edu", PASSWORD).status_code == 401
    assert submit_login(TestClient(client.app), "forgetful@qou.edu", temporary).status_code == 303


def test_the_last_administrator_is_neither_demoted_nor_disabled(client: TestClient, wiring: Wiring, staff: str) -> None:
    me = _user_id(wiring, "staff@qou.edu")
    demoted = client.post(f"/admin/users/{me}/role", data={"csrf_token": staff, "role": "librarian"}, headers=EN)
    assert demoted.status_code == 409 and "last active administrator" in demoted.text
    disabled = client.post(f"/admin/users/{me}/disable", data={"csrf_token": staff}, headers=AR)
    assert disabled.status_code == 409 and "لا يمكنك تعطيل حسابك أنت" in disabled.text
    assert users.find_user(wiring.uow(), me).role is Role.ADMIN


# --- submitters and the review queue ----------------------------------------------------------


def test_a_submitter_deposits_into_granted_collections_and_a_librarian_reviews(
    client: TestClient, wiring: Wiring, staff: str, collection: str
) -> None:
    create_collection(wiring.uow(), SYSTEM, "media", "radio", "Radio", "الإذاعة")
    users.add_user(wiring.uow(), "dr.huda@qou.edu", PASSWORD, Role.SUBMITTER, name="Dr Huda")
    huda = _user_id(wiring, "dr.huda@qou.edu")
    client.post(f"/admin/users/{huda}/grants", data={"csrf_token": staff, "collection": [collection]})
    assert users.granted_collections(wiring.uow(), huda) == [collection]

    faculty = TestClient(client.app)
    signed_in = submit_login(faculty, "dr.huda@qou.edu", PASSWORD)
    assert signed_in.headers["location"] == "/deposits"
    assert faculty.get("/workspace", follow_redirects=False).status_code == 403
    form = faculty.get("/deposits/new", headers=EN).text
    assert f'value="{collection}"' in form and 'value="radio"' not in form
    token = csrf_of(form)

    def deposit(to: str) -> Response:
        return faculty.post(
            "/deposits/new",
            data={
                "csrf_token": token,
                "collection": to,
                "title": "Community radio in Jenin",
                "title_lang": "en",
                "type": "article",
            },
            files={"files": ("radio.txt", io.BytesIO(b"Community radio in Jenin"), "text/plain")},
            headers=EN,
            follow_redirects=False,
        )

    before = rows(wiring, t.items)
    assert deposit("radio").status_code == 403 and rows(wiring, t.items) == before
    assert deposit(collection).status_code == 303
    with reading(wiring.engine) as conn:
        (item,) = records.load_items(conn, conn.execute(select(t.items)))
    assert item.status is Status.REVIEW and len(item.originals()) == 1
    with pytest.raises(Forbidden):
        publish_item(wiring.uow(), users.find_user(wiring.uow(), huda).as_actor(), item.id)

    queue = client.get("/workspace/review", headers=EN).text
    assert "Community radio in Jenin" in queue and "dr.huda@qou.edu" in queue and "Journalism — Media" in queue
    note = "Please add the English abstract."
    client.post(f"/workspace/review/{item.id}", data={"csrf_token": staff, "action": "return", "note": note})
    mine = faculty.get("/deposits", headers=EN).text
    assert "Returned" in mine and f"/deposits/{item.id}/submit" in mine and note in mine
    faculty.post(f"/deposits/{item.id}/submit", data={"csrf_token": token})
    client.post(f"/workspace/review/{item.id}", data={"csrf_token": staff, "action": "publish"})
    with reading(wiring.engine) as conn:
        assert records.load_item(conn, item.id).status is Status.PUBLISHED
    assert "Nothing is waiting for review." in client.get("/workspace/review", headers=EN).text
    # Published, the deposit is no longer the submitter's to change.
    assert faculty.post(f"/deposits/{item.id}/submit", data={"csrf_token": token}).status_code in (403, 409)
