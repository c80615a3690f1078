"""Administration: communities and collections, staff accounts, submitters and their review queue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import SYSTEM
from repository.services.collections import create_collection, create_community
from tests.factories import make_item
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
    assert "This collection still holds 1 items" in refused.text
    refused_ar = client.post(f"/admin/collections/{collection}/delete", data={"csrf_token": staff}, headers=AR)
    assert "لا تزال هذه المجموعة تضم 1 من المواد" in refused_ar.text
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
