"""Fixtures for the search tests: a real index (tantivy in a temporary directory; OpenSearch on the
session's node; Elasticsearch when MAWRID_ELASTICSEARCH_URL points at a cluster) and helpers that sync
and search as a reader would.

The `index` fixture is parametrised like `wiring`, so the behaviour tests run on every backend. The
OpenSearch node needs Java 17 and Maven (see `tests/opensearch_node.py`); the Elasticsearch half is added
when a cluster is configured (`test_es_translate.py` says so when not), e.g.

    MAWRID_ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/pytest tests/indexer
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from indexer import service
from indexer.cluster_index import ClusterIndex
from indexer.es_index import ElasticsearchIndex
from indexer.os_index import OpenSearchIndex
from indexer.ports import Page, Query, SearchIndex
from indexer.sync import sync
from indexer.tantivy_index import TantivyIndex
from repository.db import tables as t
from repository.domain import ANONYMOUS, Actor, FileRef, FileRole
from repository.services.files import add_file
from tests.conftest import LIBRARIAN
from tests.web.conftest import client  # noqa: F401 - the web tests' fixture, for pages that show search results
from web.wiring import Wiring

ES_URL = os.environ.get("MAWRID_ELASTICSEARCH_URL")


@pytest.fixture(params=["tantivy", "opensearch", "elasticsearch"] if ES_URL else ["tantivy", "opensearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "tantivy":
        tantivy_index = TantivyIndex(tmp_path / "index")
        yield tantivy_index
        tantivy_index.close()
        return
    cluster_index: ClusterIndex
    name = f"mawrid-test-{secrets.token_hex(4)}"  # one index per test on the shared cluster
    if request.param == "opensearch":
        cluster_index = OpenSearchIndex(request.getfixturevalue("opensearch_url"), name)
    else:
        assert ES_URL is not None
        cluster_index = ElasticsearchIndex(ES_URL, name)
    yield cluster_index
    cluster_index.delete_index()
    cluster_index.close()


class Finder:
    """Sync the index with the database, then search as `actor` would."""

    def __init__(self, wiring: Wiring, index: SearchIndex) -> None:
        self.wiring, self.index = wiring, index

    def __call__(
        self,
        text: str = "",
        *,
        actor: Actor = ANONYMOUS,
        embargoed_metadata_searchable: bool = False,
        today: date | None = None,
        **query: Any,
    ) -> Page:
        sync(self.wiring.engine, self.wiring.store, self.index, today=today)
        return service.search(
            self.index,
            actor,
            Query(text=text, **query),
            cursor_key=self.wiring.settings.secret(),
            embargoed_metadata_searchable=embargoed_metadata_searchable,
            today=today,
        )

    def ids(self, text: str = "", /, **kwargs: Any) -> set[str]:
        return {h.id for h in self(text, limit=100, **kwargs).hits}


@pytest.fixture
def find(wiring: Wiring, index: SearchIndex) -> Finder:
    return Finder(wiring, index)


def add_text(
    wiring: Wiring,
    item_id: str,
    text: str,
    *,
    page_starts: list[int] | None = None,
    role: FileRole = FileRole.TEXT,
    name: str = "fulltext.txt",
) -> FileRef:
    """Attach extracted text (or a caption file) to an item, with page offsets as the PDF extractor records them."""
    ref = add_file(wiring.uow(), wiring.store, LIBRARIAN, item_id, io.BytesIO(text.encode()), name, role=role).file
    if page_starts is not None:
        with wiring.uow() as uow:
            uow.conn.execute(update(t.files).where(t.files.c.id == ref.id).values(details={"page_starts": page_starts}))
    return ref
