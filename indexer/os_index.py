"""OpenSearchIndex: `ClusterIndex` on an OpenSearch 2 cluster, through the official opensearch-py client.

The Elasticsearch 8 client cannot be pointed at OpenSearch (it checks the
product and sends compatibility media types OpenSearch refuses), hence a
client of its own; the bodies are the shared ones, in the OpenSearch flavour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opensearchpy import OpenSearch, OpenSearchException

from indexer.cluster_index import ClusterIndex
from indexer.es_translate import Flavour


class OpenSearchIndex(ClusterIndex):
    product = "OpenSearch"
    flavour = Flavour.OPENSEARCH
    errors = (OpenSearchException,)  # ConnectionError and every HTTP error derive from it

    def __init__(self, url: str, name: str = "mawrid", *, timeout: float = 30.0) -> None:
        self._os = OpenSearch(url, timeout=timeout)
        super().__init__(name)

    def _put_template(self, template_name: str, template: dict[str, Any]) -> None:
        self._os.indices.put_index_template(name=template_name, body=template)

    def _exists(self) -> bool:
        return bool(self._os.indices.exists(index=self.name))

    def _create(self) -> None:
        self._os.indices.create(index=self.name)

    def _search(self, body: dict[str, Any]) -> Mapping[str, Any]:
        response: Mapping[str, Any] = self._os.search(index=self.name, body=body)
        return response

    def _bulk(self, operations: list[dict[str, Any]]) -> Mapping[str, Any]:
        response: Mapping[str, Any] = self._os.bulk(body=operations, params={"refresh": "wait_for"})
        return response

    def _delete_by_query(self, body: dict[str, Any]) -> None:
        self._os.delete_by_query(index=self.name, body=body, params={"refresh": "true"})

    def _mapping(self) -> Mapping[str, Any]:
        mapping: Mapping[str, Any] = self._os.indices.get_mapping(index=self.name)[self.name]["mappings"]
        return mapping

    def _put_meta(self, meta: dict[str, Any]) -> None:
        self._os.indices.put_mapping(index=self.name, body={"_meta": meta})

    def _count(self) -> int:
        return int(self._os.count(index=self.name)["count"])

    def _drop(self) -> None:
        self._os.indices.delete(index=self.name, params={"ignore_unavailable": "true"})

    def close(self) -> None:
        self._os.close()
