"""What readers may find: drafts, restricted, withdrawn, deleted and embargoed items never reach anonymous searches."""

from __future__ import annotations

from datetime import date, timedelta

from repository.domain import SYSTEM, Visibility
from repository.services.workflow import delete_item, set_embargo, set_visibility, withdraw_item
from tests.conftest import LIBRARIAN
from tests.factories import make_item
from tests.indexer.conftest import Finder, add_text
from web.wiring import Wiring

TODAY = date(2030, 6, 1)


def test_only_published_public_unembargoed_items_reach_anonymous_searches(
    find: Finder, wiring: Wiring, collection: str
) -> None:
    public = make_item(wiring, collection, "Zeolite public")
    make_item(wiring, collection, "Zeolite draft", published=False)
    make_item(wiring, collection, "Zeolite restricted", visibility=Visibility.RESTRICTED)
    withdrawn = make_item(wiring, collection, "Zeolite withdrawn")
    withdraw_item(wiring.uow(), LIBRARIAN, withdrawn.id)
    deleted = make_item(wiring, collection, "Zeolite deleted")
    delete_item(wiring.uow(), LIBRARIAN, deleted.id)
    embargoed = make_item(wiring, collection, "Zeolite embargoed")
    add_text(wiring, embargoed.id, "The closed text mentions vermiculite.")
    set_embargo(wiring.uow(), LIBRARIAN, embargoed.id, TODAY + timedelta(days=30))

    assert find.ids("zeolite", today=TODAY) == {public.id}
    assert find.ids("vermiculite", today=TODAY) == set()
    assert find(today=TODAY).total == 1
    # Facet counts come from the same filtered set: nothing hidden is counted.
    facets = {f.name: {v.value: v.count for v in f.values} for f in find(today=TODAY).facets}
    assert facets["type"] == {"article": 1}


def test_embargoed_metadata_is_findable_when_allowed_but_its_text_never(
    find: Finder, wiring: Wiring, collection: str
) -> None:
    item = make_item(wiring, collection, "Perlite deposits", abstracts=[{"value": "Survey of perlite."}])
    add_text(wiring, item.id, "The closed text mentions vermiculite.")
    set_embargo(wiring.uow(), LIBRARIAN, item.id, TODAY + timedelta(days=30))

    assert find.ids("perlite", today=TODAY, embargoed_metadata_searchable=True) == {item.id}
    assert find.ids("vermiculite", today=TODAY, embargoed_metadata_searchable=True) == set()
    assert find.ids("perlite", today=TODAY, actor=SYSTEM) == {item.id}  # staff see it by its metadata
    assert find.ids("vermiculite", today=TODAY, actor=SYSTEM) == set()
    hit = find("perlite", today=TODAY, embargoed_metadata_searchable=True).hits[0]
    assert hit.snippet is not None and hit.snippet.source == "abstract"


def test_full_text_is_added_once_the_embargo_ends(find: Finder, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Perlite deposits")
    add_text(wiring, item.id, "The closed text mentions vermiculite.")
    set_embargo(wiring.uow(), LIBRARIAN, item.id, TODAY + timedelta(days=30))
    assert find.ids("perlite", today=TODAY) == set()

    later = TODAY + timedelta(days=31)  # no change to the item: the sync notices the embargo has ended
    assert find.ids("perlite", today=later) == {item.id}
    assert find.ids("vermiculite", today=later) == {item.id}


def test_restricting_an_item_takes_it_out_of_search(find: Finder, wiring: Wiring, collection: str) -> None:
    item = make_item(wiring, collection, "Basalt columns")
    assert find.ids("basalt") == {item.id}
    set_visibility(wiring.uow(), LIBRARIAN, item.id, Visibility.RESTRICTED)
    assert find.ids("basalt") == set()
    assert find.ids("basalt", actor=SYSTEM) == set()  # the index holds public items only
