"""The OpenSearch adapter beyond the behaviour suite: the node really has the Arabic analysis, the index
analyses words as `indexer.analysis` does, the settings pick it, and a cluster that is down is reported."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from indexer.analysis import terms
from indexer.os_index import OpenSearchIndex
from repository.errors import StoreUnavailable
from repository.settings import Settings
from tests.opensearch_node import free_port, opensearch_node
from web.wiring import open_index


@pytest.fixture
def client(opensearch_url: str) -> Iterator[OpenSearch]:
    client = OpenSearch(opensearch_url)
    yield client
    client.close()


def _tokens(client: OpenSearch, body: dict[str, Any], index: str | None = None) -> list[str]:
    return [t["token"] for t in client.indices.analyze(index=index, body=body)["tokens"]]


def test_the_node_loads_the_arabic_analysis_filters(client: OpenSearch) -> None:
    body = {"tokenizer": "standard", "filter": ["arabic_normalization", "arabic_stem"], "text": "والمكتبة مَكْتَبَة إدارة"}
    assert _tokens(client, body) == ["مكتب", "مكتب", "ادار"]


WORDS = ["مكتبة", "المكتبة", "والمكتبة", "بالمكتبة", "للمكتبة", "مَكْتَبَة", "مكتبـــة", "المكتبات", "أحمد", "إدارة"]
WORDS += ["آداب", "مستشفى", "٢٠١٩", "Libraries", "naïve", "Café", "educational"]
# Left out: "library's". Ours splits at the apostrophe (librari, s); Lucene's standard tokenizer keeps one
# word and the possessive filter drops the 's (librari). Both find it by "library".


def test_the_index_analyses_words_as_mawrid_does(opensearch_url: str, client: OpenSearch) -> None:
    index = OpenSearchIndex(opensearch_url, f"mawrid-test-{secrets.token_hex(4)}")
    try:
        theirs = {w: _tokens(client, {"analyzer": "mawrid_text", "text": w}, index.name) for w in WORDS}
        assert theirs == {w: terms(w) for w in WORDS}
    finally:
        index.delete_index()
        index.close()


def test_settings_with_an_opensearch_url_open_an_opensearch_index(opensearch_url: str, tmp_path: Path) -> None:
    name = f"mawrid-test-{secrets.token_hex(4)}"
    settings = Settings(data_dir=tmp_path, opensearch_url=opensearch_url, opensearch_index=name, _env_file=None)  # type: ignore[call-arg]
    index = open_index(settings)
    try:
        assert isinstance(index, OpenSearchIndex) and index.name == name and index.count() == 0
    finally:
        assert isinstance(index, OpenSearchIndex)
        index.delete_index()
        index.close()


def test_a_cluster_that_is_down_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="OpenSearch could not create the index"):
        OpenSearchIndex(f"http://127.0.0.1:{free_port()}", timeout=2)


def test_a_node_that_does_not_come_up_fails_with_its_log(opensearch_url: str, tmp_path: Path) -> None:
    failed = r"not up after 0 s; end of .*node\.log"
    with pytest.raises(RuntimeError, match=failed), opensearch_node(tmp_path, timeout=0):
        pass
