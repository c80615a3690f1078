"""The public site: pages, language, discovery metadata, and what must never leak."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from lxml import etree

from indexer.sync import sync
from repository.db import records
from repository.db.uow import reading
from repository.domain import Item, Visibility
from repository.services.workflow import delete_item, withdraw_item
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from web.wiring import Wiring


def load(wiring: Wiring, item_id: str) -> Item:
    with reading(wiring.engine) as conn:
        return records.load_item(conn, item_id)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_pages_default_to_arabic_and_follow_the_browser_then_the_switch(client: TestClient, collection: str) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert '<html lang="ar" dir="rtl">' in home.text and "الإعلام" in home.text
    english = client.get("/", headers={"accept-language": "fr;q=0.9, en-GB;q=0.8, ar;q=0.1"})
    assert '<html lang="en" dir="ltr">' in english.text and "Media" in english.text
    switched = client.get("/lang/en?next=/about", headers={"accept-language": "ar"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/about"
    assert "mawrid_lang=en" in switched.headers["set-cookie"]
    assert '<html lang="en"' in client.get("/about", headers={"accept-language": "ar"}).text
    assert client.get("/lang/ar?next=//evil.example/x", follow_redirects=False).headers["location"] == "/"


def test_every_response_carries_the_security_headers(client: TestClient, collection: str) -> None:
    for path in ("/", "/api/items", "/no-such-page", "/static/site.css", "/robots.txt"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]+)", csp)
        assert script_src and "unsafe-inline" not in script_src.group(1), path
        assert "frame-ancestors" in csp, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_page_has_an_inline_script(client: TestClient, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Inline scripts", files={"a.pdf": PDF})
    for path in ("/", f"/items/{item.id}", "/browse/title", "/login", "/api/docs", "/about"):
        for tag in re.findall(r"<script[^>]*>", client.get(path).text):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)


def test_home_counts_and_lists_only_public_items(client: TestClient, wiring: Wiring, collection: str) -> None:
    make_item(wiring, collection, "Open access study")
    make_item(wiring, collection, "Draft in progress", published=False)
    make_item(wiring, collection, "Staff only report", visibility=Visibility.RESTRICTED)
    page = client.get("/", headers={"accept-language": "en"}).text
    assert "Open access study" in page
    assert "Draft in progress" not in page and "Staff only report" not in page
    assert re.search(r'aria-label="1 item">1<', page)


def test_landing_page_describes_the_item_for_scholars_and_machines(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    item = make_item(
        wiring,
        collection,
        "Water in the Jordan valley",
        files={"study.pdf": PDF},
        creators=[{"name": "Haddad, Sara", "orcid": "0000-0002-1825-0097"}],
        date_issued="2021-03-04",
        journal={"title": "Journal of Palestinian Studies", "volume": "7", "issue": "2", "pages": "10-25"},
        identifiers=[{"scheme": "doi", "value": "10.1234/water.2021"}],
        license={"uri": "https://creativecommons.org/licenses/by/4.0/"},
    )
    response = client.get(f"/items/{item.id}", headers={"accept-language": "en"})
    html = response.text
    pdf_url = f"http://127.0.0.1:8000/items/{item.id}/files/{item.files[0].id}/study.pdf"
    for name, value in [
        ("citation_title", "Water in the Jordan valley"),
        ("citation_author", "Haddad, Sara"),
        ("citation_publication_date", "2021/03/04"),
        ("citation_pdf_url", pdf_url),
        ("citation_journal_title", "Journal of Palestinian Studies"),
        ("citation_firstpage", "10"),
        ("citation_lastpage", "25"),
        ("citation_doi", "10.1234/water.2021"),
    ]:
        assert f'<meta name="{name}" content="{value}">' in html, name
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert ld["@type"] == "ScholarlyArticle" and ld["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert ld["author"][0]["sameAs"] == "https://orcid.org/0000-0002-1825-0097"
    assert ld["encoding"][0]["contentUrl"] == pdf_url
    links = response.headers["link"]
    assert '<https://doi.org/10.1234/water.2021>; rel="cite-as"' in links
    assert f'<{pdf_url}>; rel="item"; type="application/pdf"' in links
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in links
    assert 'rel="describedby"; type="application/x-bibtex"' in links and 'rel="type"' in links
    assert "CC BY 4.0" in html and "Haddad, S. (2021)." in html and f'<iframe src="/items/{item.id}/files/' in html
    bib = client.get(f"/items/{item.id}/cite.bib").text
    assert bib.startswith("@article{Haddad2021_") and "doi = {10.1234/water.2021}" in bib
    ris = client.get(f"/items/{item.id}/cite.ris").text
    assert "TY  - JOUR\r\n" in ris and "SP  - 10\r\n" in ris and ris.endswith("ER  - \r\n")


def test_many_files_move_signposting_into_a_linkset(client: TestClient, wiring: Wiring, collection: str) -> None:
    files = {f"part-{n}.txt": f"part {n}".encode() for n in range(7)}
    item = make_item(wiring, collection, "Seven parts", files=files)
    links = client.get(f"/items/{item.id}").headers["link"]
    assert 'rel="item"' not in links and f'/items/{item.id}/linkset.json>; rel="linkset"' in links
    linkset = client.get(f"/items/{item.id}/linkset.json")
    assert linkset.headers["content-type"].startswith("application/linkset+json")
    assert len(linkset.json()["linkset"][0]["item"]) == 7
    assert client.get(f"/items/{item.id}/linkset").text.count('rel="item"') == 7


def test_hidden_items_and_their_files_answer_404_to_readers_but_not_to_staff(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    from tests.web.conftest import sign_in

    draft = make_item(wiring, collection, "Unpublished draft", published=False, files={"d.pdf": PDF})
    gone = make_item(wiring, collection, "Withdrawn paper", files={"w.pdf": PDF})
    withdraw_item(wiring.uow(), LIBRARIAN, gone.id)
    for item, status in ((draft, 404), (gone, 410)):  # embargoed items: tests/web/test_embargo.py
        ref = load(wiring, item.id).files[0]
        for path in (
            f"/items/{item.id}",
            f"/items/{item.id}/files/{ref.id}/{ref.name}",
            f"/items/{item.id}/cite.bib",
            f"/api/items/{item.id}",
            f"/api/items/{item.id}/files/{ref.id}/content",
        ):
            response = client.get(path)
            assert response.status_code == status, path
            assert "Withdrawn paper" not in response.text and b"%PDF" not in response.content
    tombstone = client.get(f"/items/{gone.id}", headers={"accept-language": "en"}).text
    assert "This item has been withdrawn" in tombstone
    sign_in(client, wiring)
    page = client.get(f"/items/{draft.id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    download = client.get(f"/items/{draft.id}/files/{load(wiring, draft.id).files[0].id}/d.pdf")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["cache-control"] == "private, no-store"


def test_only_items_once_public_leave_a_410_tombstone(client: TestClient, wiring: Wiring, collection: str) -> None:
    deleted_draft = make_item(wiring, collection, "Draft thrown away", published=False, files={"d.pdf": PDF})
    never_public = make_item(wiring, collection, "Staff-only memo", visibility=Visibility.RESTRICTED)
    was_public = make_item(wiring, collection, "Public then deleted", files={"p.pdf": PDF})
    for item in (deleted_draft, never_public, was_public):
        delete_item(wiring.uow(), LIBRARIAN, item.id)
    for item, status in ((deleted_draft, 404), (never_public, 404), (was_public, 410)):
        for path in (f"/items/{item.id}", f"/api/items/{item.id}"):
            response = client.get(path, headers={"accept-language": "en"})
            assert response.status_code == status, path
            assert ("has been withdrawn" in response.text) == (status == 410)
    ref = load(wiring, deleted_draft.id).files[0]
    assert client.get(f"/items/{deleted_draft.id}/files/{ref.id}/{ref.name}").status_code == 404


def test_downloads_honour_ranges_etags_and_original_names(client: TestClient, wiring: Wiring, collection: str) -> None:
    data = bytes(range(256)) * 40
    item = make_item(wiring, collection, "Binary data", files={"تقرير نهائي.pdf": PDF, "data.bin": data})
    pdf_ref, bin_ref = item.files
    url = f"/items/{item.id}/files/{bin_ref.id}/data.bin"
    whole = client.get(url)
    assert whole.content == data and whole.headers["accept-ranges"] == "bytes"
    etag = whole.headers["etag"]
    assert etag == f'"{bin_ref.sha256}"'
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    part = client.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert client.get(url, headers={"range": "bytes=-10"}).content == data[-10:]
    assert client.get(url, headers={"range": f"bytes={len(data)}-"}).status_code == 416
    assert client.get(url, headers={"range": "bytes=0-9", "if-range": '"other"'}).status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(data)) and not head.content
    pdf = client.get(f"/items/{item.id}/files/{pdf_ref.id}/{pdf_ref.name}")
    assert pdf.headers["content-type"] == "application/pdf"
    quoted = "%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D9%86%D9%87%D8%A7%D8%A6%D9%8A.pdf"
    assert pdf.headers["content-disposition"] == f"inline; filename=\"_____ _____.pdf\"; filename*=UTF-8''{quoted}"
    moved = client.get(f"/items/{item.id}/files/{pdf_ref.id}/wrong-name.pdf", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"].endswith(
        "/%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D9%86%D9%87%D8%A7%D8%A6%D9%8A.pdf"
    )


def test_uploaded_html_and_svg_never_run_on_the_site(client: TestClient, wiring: Wiring, collection: str) -> None:
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    item = make_item(wiring, collection, "Hostile uploads", files={"x.html": page, "x.svg": svg})
    for ref in item.files:
        response = client.get(f"/items/{item.id}/files/{ref.id}/{ref.name}")
        assert response.headers["content-disposition"].startswith("attachment;"), ref.mime
        assert response.headers["content-security-policy"].startswith("sandbox"), ref.mime


def test_browse_files_arabic_titles_without_the_article(client: TestClient, wiring: Wiring, collection: str) -> None:
    make_item(wiring, collection, "المكتبات الرقمية", creators=[{"name": "خليل، أحمد"}])
    make_item(wiring, collection, "أدب الأطفال", creators=[{"name": "Curry, Charles"}])
    make_item(wiring, collection, "The Bell sound")
    ba = client.get("/browse/title?letter=م").text
    assert "المكتبات الرقمية" in ba and "أدب الأطفال" not in ba
    alef = client.get("/browse/title?letter=ا").text
    assert "أدب الأطفال" in alef
    assert "The Bell sound" in client.get("/browse/title?letter=B").text
    authors = client.get("/browse/author", headers={"accept-language": "en"}).text
    assert "خليل، أحمد" in authors and "Curry, Charles" in authors
    by_author = client.get("/browse/author", params={"value": "Curry, Charles"}).text
    assert "أدب الأطفال" in by_author and "المكتبات الرقمية" not in by_author


def test_sitemaps_and_feeds_list_public_items_only(client: TestClient, wiring: Wiring, collection: str) -> None:
    shown = make_item(wiring, collection, "Public article")
    hidden = make_item(wiring, collection, "Private article", visibility=Visibility.RESTRICTED)
    index = etree.fromstring(client.get("/sitemap.xml").content)
    locs = [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs[-1] == "http://127.0.0.1:8000/sitemap-items-1.xml"
    items = client.get("/sitemap-items-1.xml").text
    assert f"/items/{shown.id}<" in items and hidden.id not in items
    feed = client.get(f"/collections/{collection}/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = etree.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == ["Public article"]
    robots = client.get("/robots.txt").text
    assert "Disallow: /workspace" in robots and "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots
    assert "{searchTerms}" in client.get("/opensearch.xml").text


def test_search_page_shows_facets_highlights_and_hides_private_items(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    make_item(wiring, collection, "الصحافة الرقمية في فلسطين", abstracts=[{"value": "دراسة عن الصحافة", "lang": "ar"}])
    make_item(wiring, collection, "Digital journalism", type="report")
    make_item(wiring, collection, "الصحافة السرية", visibility=Visibility.RESTRICTED)
    sync(wiring.engine, wiring.store, wiring.index)
    page = client.get("/search", params={"q": "صحافة"}, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "الصحافة الرقمية في فلسطين" in page.text and "الصحافة السرية" not in page.text
    assert "<mark>" in page.text and "Refine results" in page.text
    filtered = client.get("/search", params={"type": "report"}, headers={"accept-language": "en"}).text
    assert "Digital journalism" in filtered and "الصحافة الرقمية" not in filtered
    assert client.get("/search", params={"sort": "sideways"}).status_code == 400


def test_errors_are_pages_for_readers_and_problems_for_programs(client: TestClient) -> None:
    page = client.get("/items/nothing-here", headers={"accept-language": "en"})
    assert page.status_code == 404 and "Page not found" in page.text and 'action="/search"' in page.text
    api = client.get("/api/items/nothing-here")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["type"].endswith("/not-found") and api.json()["status"] == 404
    unknown_route = client.get("/api/no-such-route")
    assert unknown_route.status_code == 404 and unknown_route.headers["content-type"] == "application/problem+json"
    invalid = client.get("/api/items", params={"limit": "many"})
    assert invalid.status_code == 422 and "query.limit" in invalid.json()["errors"]


def test_pages_announce_their_language_versions_and_an_address_can_ask_for_one(client: TestClient) -> None:
    arabic = client.get("/about?x=1", headers={"accept-language": "ar-PS,ar;q=0.9,en;q=0.8"}).text
    assert '<html lang="ar" dir="rtl">' in arabic
    base = "http://127.0.0.1:8000/about"
    for hreflang, href in (
        ("ar", f"{base}?x=1&amp;lang=ar"),
        ("en", f"{base}?x=1&amp;lang=en"),
        ("x-default", f"{base}?x=1"),
    ):
        assert f'<link rel="alternate" hreflang="{hreflang}" href="{href}">' in arabic
    asked = client.get("/about?lang=en", headers={"accept-language": "ar"})
    assert '<html lang="en" dir="ltr">' in asked.text and asked.headers["content-language"] == "en"
    switched = client.get("/lang/ar?next=/about%3Flang%3Den%26x%3D1", follow_redirects=False)
    assert switched.headers["location"] == "/about?x=1"  # the switch is not overridden by the old address
    assert '<html lang="ar" dir="rtl">' in client.get("/about", headers={"accept-language": "en"}).text
