"""The tree's layers import one way (README: where things live): repository ← indexer ← harvest ← web.

Within the web layer, pages are routes only: no page imports another, and neither the templating
nor the API imports a page; what they share lives in web/views/. Crosswalks are pure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import ROOT, modules, reaches

BELOW = {"repository": ("indexer", "harvest", "web"), "indexer": ("harvest", "web"), "harvest": ("web",)}


@pytest.mark.parametrize(
    ("layer", "path"),
    [(layer, path) for layer in BELOW for path in modules(layer)],
    ids=lambda value: value if isinstance(value, str) else str(value.relative_to(ROOT)),
)
def test_a_layer_never_imports_the_ones_above_it(layer: str, path: Path) -> None:
    assert reaches(path, *BELOW[layer]) == set()


@pytest.mark.parametrize("path", modules("web/pages"), ids=lambda p: p.name)
def test_a_page_imports_no_other_page(path: Path) -> None:
    assert reaches(path, "web.pages") == set()


@pytest.mark.parametrize("path", [ROOT / "web/templating.py", *modules("web/api"), *modules("web/views")], ids=str)
def test_templating_the_api_and_the_views_import_no_page(path: Path) -> None:
    assert reaches(path, "web.pages", "web.courses.study", "web.courses.builder") == set()


@pytest.mark.parametrize("path", modules("harvest/crosswalks"), ids=lambda p: p.name)
def test_crosswalks_read_no_database_store_or_service(path: Path) -> None:
    assert reaches(path, "repository.db", "repository.objects", "repository.services", "repository.jobs") == set()
