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
