"""ElasticsearchIndex: the search backend for several machines, through the official client.

Request bodies and the template come from `indexer.es_translate` (pure,
unit-tested); this adapter only sends them and turns client errors into
`StoreUnavailable`. Documents are written with the item's version as an
external version (`external_gte`), so of two writers racing on one item the
older read can never overwrite the newer: Elasticsearch refuses it. The
sync's bookkeeping (generation, reindex checkpoint) lives in the index
mapping's `_meta`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from indexer.documents import IndexDocument
from indexer.es_translate import embargo_lifted_body, index_template, older_than_body, search_body, to_page, to_source
from indexer.ports import Access, Page, Query
from repository.errors import StoreUnavailable


@contextmanager
def _edge(what: str) -> Iterator[None]:
    try:
        yield
    except (ApiError, TransportError) as exc:
        raise StoreUnavailable(f"Elasticsearch could not {what}: {exc}") from exc


class ElasticsearchIndex:
    def __init__(self, url: str, name: str = "mawrid", *, timeout: float = 30.0) -> None:
        self.name = name
        self._es = Elasticsearch(url, request_timeout=timeout)
        self._lock = threading.Lock()
        with _edge("create the index"):
            self._es.indices.put_index_template(name=f"{name}-template", body=index_template(name))
            if not self._es.indices.exists(index=name):
                self._es.indices.create(index=name)

    def search(self, query: Query, access: Access) -> Page:
        started = time.perf_counter()
        body = search_body(query, access)
        with _edge("search"):
            response = self._es.search(index=self.name, body=body)
        return to_page(query, response.body, (time.perf_counter() - started) * 1000)

    @contextmanager
    def writer(self) -> Iterator[_Writer]:
        with self._lock:
            writer = _Writer(self.name, int(self.load_state().get("generation", 0)))
            yield writer
            with _edge("write documents"):
                writer.flush(self._es)

    def embargo_lifted(self, today: date) -> list[str]:
        with _edge("search"):
            response = self._es.search(index=self.name, body=embargo_lifted_body(today))
        return [h["_id"] for h in response.body["hits"]["hits"]]

    def load_state(self) -> dict[str, Any]:
        with _edge("read the index mapping"):
            mapping = self._es.indices.get_mapping(index=self.name).body
        return dict(mapping[self.name]["mappings"].get("_meta", {}))

    def save_state(self, state: dict[str, Any]) -> None:
        with _edge("update the index mapping"):
            self._es.indices.put_mapping(index=self.name, meta=state)

    def count(self) -> int:
        with _edge("count documents"):
            return int(self._es.count(index=self.name).body["count"])

    def close(self) -> None:
        self._es.close()

    def delete_index(self) -> None:
        """Drop the whole index (tests, or before recreating it with a new template)."""
        with _edge("delete the index"):
            self._es.indices.delete(index=self.name, ignore_unavailable=True)


class _Writer:
    def __init__(self, index: str, generation: int) -> None:
        self._index = index
        self._generation = generation
        self._operations: list[dict[str, Any]] = []
        self._older_than: int | None = None

    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        for doc in docs:
            action = {"_index": self._index, "_id": doc.id, "version": doc.version, "version_type": "external_gte"}
            self._operations += [{"index": action}, to_source(doc, self._generation)]

    def delete(self, item_ids: Sequence[str]) -> None:
        self._operations += [{"delete": {"_index": self._index, "_id": item_id}} for item_id in item_ids]

    def delete_older_than(self, generation: int) -> None:
        self._older_than = generation

    def flush(self, es: Elasticsearch) -> None:
        if self._operations:
            response = es.bulk(operations=self._operations, refresh="wait_for").body
            failed = [
                item
                for entry in response["items"]
                for item in entry.values()
                # 409: an older version than the index holds (a racing writer won); 404: already gone
                if item.get("status", 200) >= 300 and item.get("status") not in (404, 409)
            ]
            if failed:
                raise StoreUnavailable(f"Elasticsearch refused {len(failed)} writes, first: {failed[0].get('error')}")
        if self._older_than is not None:
            es.delete_by_query(index=self._index, body=older_than_body(self._older_than), refresh=True)
