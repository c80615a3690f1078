"""ElasticsearchIndex: `ClusterIndex` on an Elasticsearch 8 cluster, through the official client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from indexer.cluster_index import ClusterIndex
from indexer.es_translate import Flavour


class ElasticsearchIndex(ClusterIndex):
    product = "Elasticsearch"
    flavour = Flavour.ELASTICSEARCH
    errors = (ApiError, TransportError)

    def __init__(self, url: str, name: str = "mawrid", *, timeout: float = 30.0) -> None:
        self._es = Elasticsearch(url, request_timeout=timeout)
        super().__init__(name)

    def _put_template(self, template_name: str, template: dict[str, Any]) -> None:
        self._es.indices.put_index_template(name=template_name, body=template)

    def _exists(self) -> bool:
        return bool(self._es.indices.exists(index=self.name))

    def _create(self) -> None:
        self._es.indices.create(index=self.name)

    def _search(self, body: dict[str, Any]) -> Mapping[str, Any]:
        response: Mapping[str, Any] = self._es.search(index=self.name, body=body).body
        return response

    def _bulk(self, operations: list[dict[str, Any]]) -> Mapping[str, Any]:
        response: Mapping[str, Any] = self._es.bulk(operations=operations, refresh="wait_for").body
        return response

    def _delete_by_query(self, body: dict[str, Any]) -> None:
        self._es.delete_by_query(index=self.name, body=body, refresh=True)

    def _mapping(self) -> Mapping[str, Any]:
        mapping: Mapping[str, Any] = self._es.indices.get_mapping(index=self.name).body[self.name]["mappings"]
        return mapping

    def _put_meta(self, meta: dict[str, Any]) -> None:
        self._es.indices.put_mapping(index=self.name, meta=meta)

    def _count(self) -> int:
        return int(self._es.count(index=self.name).body["count"])

    def _drop(self) -> None:
        self._es.indices.delete(index=self.name, ignore_unavailable=True)

    def close(self) -> None:
        self._es.close()
