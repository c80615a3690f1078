"""The search page's facets as a reader sees them: names, never addresses; long lists folded."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from indexer.sync import sync
from tests.factories import make_item
from web.wiring import Wiring

ENGLISH = {"accept-language": "en"}


def facet_block(html: str, title: str) -> str:
    match = re.search(rf'<h3 id="facet-\w+">{title}</h3>(.*?)</section>', html, re.S)
    assert match, f"no {title} facet"
    return match.group(1)


def test_licence_facet_shows_names_never_addresses(client: TestClient, wiring: Wiring, collection: str) -> None:
    make_item(wiring, collection, "Software notes", license={"uri": "https://opensource.org/license/mit"})
    make_item(wiring, collection, "Typesetting", license={"uri": "https://www.latex-project.org/lppl/lppl-1-3c/"})
    make_item(
        wiring,
        collection,
        "Local terms",
        license={"uri": "https://qou.edu/terms/open-v2", "label": "QOU Open Licence v2"},
    )
    make_item(wiring, collection, "Open text", license={"uri": "https://creativecommons.org/licenses/by/4.0/"})
    sync(wiring.engine, wiring.store, wiring.index)

    licences = facet_block(client.get("/search", headers=ENGLISH).text, "Licence")

    for name in ("MIT License", "LPPL 1.3c", "QOU Open Licence v2", "CC BY 4.0"):
        assert name in licences
    assert "https://" not in re.sub(r'href="[^"]*"', "", licences)


def test_long_facets_fold_under_more_and_keep_the_chosen_value_in_view(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    for n in range(9):
        make_item(wiring, collection, f"Paper {n}", subjects=[{"value": f"Topic {n}", "lang": "en"}] * (1 + (n == 0)))
    sync(wiring.engine, wiring.store, wiring.index)

    subjects = facet_block(client.get("/search", headers=ENGLISH).text, "Subject")
    shown, folded = subjects.split('<details class="facet-more">')
    assert shown.count("<li>") == 6 and folded.count("<li>") == 3
    assert "More" in folded and 'href="/browse/subject"' in folded

    chosen = facet_block(client.get("/search?subject=Topic 8", headers=ENGLISH).text, "Subject")
    shown, _ = chosen.split('<details class="facet-more">') if "facet-more" in chosen else (chosen, "")
    assert "Topic 8" in shown and 'class="selected"' in shown


def test_results_have_numbered_pages_with_previous_and_next(
    client: TestClient, wiring: Wiring, collection: str
) -> None:
    for n in range(45):
        make_item(wiring, collection, f"Annual report {n:02d}", date_issued=str(1950 + n))
    sync(wiring.engine, wiring.store, wiring.index)

    first = client.get("/search?sort=title", headers=ENGLISH).text
    nav = re.search(r'<ul class="pagination">(.*?)</ul>', first, re.S)
    assert nav and 'aria-current="page">1<' in nav.group(1) and "Previous" not in nav.group(1)
    assert 'href="/search?sort=title&amp;page=2" rel="next"' in nav.group(1) and "page=3" in nav.group(1)
    assert "Results 1–20 of 45" in first and "Annual report 00" in first and "Annual report 20" not in first

    second = client.get("/search?sort=title&page=2", headers=ENGLISH).text
    assert 'start="21"' in second and "Results 21–40 of 45" in second
    assert "Annual report 20" in second and "Annual report 19" not in second
    assert 'href="/search?sort=title" rel="prev"' in second and "page=3" in second
    assert 'href="/search?sort=title&amp;type=article"' in second  # a facet starts again at page 1

    last = client.get("/search?sort=title&page=3", headers=ENGLISH).text
    assert "Results 41–45 of 45" in last and 'rel="next"' not in last

    for bad in ("0", "x", "501", "١"):
        assert client.get(f"/search?page={bad}").status_code == 400, bad
