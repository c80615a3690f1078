"""ClusterIndex: the search backend for several machines, on an Elasticsearch or OpenSearch cluster.

Both products take the bodies of `indexer.es_translate` (pure, unit-tested;
its `Flavour` says where they differ); this class holds everything else the
two adapters share, and each adapter (`ElasticsearchIndex`,
`OpenSearchIndex`) only makes the calls through its product's official
client and names that client's errors, which become `StoreUnavailable`.

Documents are written with the item's version as an external version
(`external_gte`), so of two writers racing on one item the older read can
never overwrite the newer: the cluster refuses it. The sync's bookkeeping
(generation, reindex checkpoint) lives in the index mapping's `_meta`, so
every `mawrid serve` and worker sharing the cluster sees the same state.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, ClassVar

from indexer.documents import IndexDocument
from indexer.es_translate import (
    Flavour,
    embargo_lifted_body,
    index_template,
    older_than_body,
    search_body,
    to_page,
    to_source,
)
from indexer.ports import Access, Page, Query, StateKey
from repository.errors import StoreUnavailable


class ClusterIndex(ABC):
    product: ClassVar[str]  # for messages: "Elasticsearch", "OpenSearch"
    flavour: ClassVar[Flavour]
    errors: ClassVar[tuple[type[Exception], ...]]  # the client's exceptions that mean "the cluster said no"

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        with self._edge("create the index"):
            self._put_template(f"{name}-template", index_template(name))
            if not self._exists():
                self._create()

    # --- the calls each client makes its own way ------------------------------------------------

    @abstractmethod
    def _put_template(self, template_name: str, template: dict[str, Any]) -> None: ...

    @abstractmethod
    def _exists(self) -> bool: ...

    @abstractmethod
    def _create(self) -> None: ...

    @abstractmethod
    def _search(self, body: dict[str, Any]) -> Mapping[str, Any]: ...

    @abstractmethod
    def _bulk(self, operations: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Send the operations and wait until a search sees them (`refresh=wait_for`)."""

    @abstractmethod
    def _delete_by_query(self, body: dict[str, Any]) -> None:
        """Delete the matches and refresh, so a search no longer finds them."""

    @abstractmethod
    def _mapping(self) -> Mapping[str, Any]:
        """The index's mapping: `{"properties": …, "_meta": …}`."""

    @abstractmethod
    def _put_meta(self, meta: dict[str, Any]) -> None: ...

    @abstractmethod
    def _count(self) -> int: ...

    @abstractmethod
    def _drop(self) -> None:
        """Delete the index; no error when it is already gone."""

    @abstractmethod
    def close(self) -> None: ...

    # --- the SearchIndex port ---------------------------------------------------------------------

    def search(self, query: Query, access: Access) -> Page:
        started = time.perf_counter()
        body = search_body(query, access, self.flavour)
        with self._edge("search"):
            response = self._search(body)
        return to_page(query, response, (time.perf_counter() - started) * 1000)

    @contextmanager
    def writer(self) -> Iterator[ClusterWriter]:
        with self._lock:
            writer = ClusterWriter(self.name, int(self.load_state().get(StateKey.GENERATION, 0)))
            yield writer
            with self._edge("write documents"):
                self._flush(writer)

    def embargo_lifted(self, today: date) -> list[str]:
        with self._edge("search"):
            response = self._search(embargo_lifted_body(today))
        return [h["_id"] for h in response["hits"]["hits"]]

    def load_state(self) -> dict[str, Any]:
        with self._edge("read the index mapping"):
            return dict(self._mapping().get("_meta", {}))

    def save_state(self, state: dict[str, Any]) -> None:
        with self._edge("update the index mapping"):
            self._put_meta(state)

    def count(self) -> int:
        with self._edge("count documents"):
            return self._count()

    def delete_index(self) -> None:
        """Drop the whole index (tests, or before recreating it with a new template)."""
        with self._edge("delete the index"):
            self._drop()

    # ---------------------------------------------------------------------------------------------

    @contextmanager
    def _edge(self, what: str) -> Iterator[None]:
        try:
            yield
        except self.errors as exc:
            raise StoreUnavailable(f"{self.product} could not {what}: {exc}") from exc

    def _flush(self, writer: ClusterWriter) -> None:
        if writer.operations:
            response = self._bulk(writer.operations)
            failed = [
                item
                for entry in response["items"]
                for item in entry.values()
                # 409: an older version than the index holds (a racing writer won); 404: already gone
                if item.get("status", 200) >= 300 and item.get("status") not in (404, 409)
            ]
            if failed:
                raise StoreUnavailable(f"{self.product} refused {len(failed)} writes, first: {failed[0].get('error')}")
        if writer.older_than is not None:
            self._delete_by_query(older_than_body(writer.older_than))


class ClusterWriter:
    """Collects one block's writes as bulk operations; `ClusterIndex.writer` sends them when it ends."""

    def __init__(self, index: str, generation: int) -> None:
        self._index = index
        self._generation = generation
        self.operations: list[dict[str, Any]] = []
        self.older_than: int | None = None

    def upsert(self, docs: Sequence[IndexDocument]) -> None:
        for doc in docs:
            action = {"_index": self._index, "_id": doc.id, "version": doc.version, "version_type": "external_gte"}
            self.operations += [{"index": action}, to_source(doc, self._generation)]

    def delete(self, item_ids: Sequence[str]) -> None:
        self.operations += [{"delete": {"_index": self._index, "_id": item_id}} for item_id in item_ids]

    def delete_older_than(self, generation: int) -> None:
        self.older_than = generation
