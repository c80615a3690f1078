"""open_index(settings): OpenSearch or Elasticsearch when its URL is set, else tantivy under the data directory."""

from __future__ import annotations

from indexer.ports import SearchIndex
from repository.settings import Settings


def open_index(settings: Settings) -> SearchIndex:
    # A cluster's client is only imported when that cluster is used.
    if settings.opensearch_url:
        from indexer.os_index import OpenSearchIndex

        return OpenSearchIndex(settings.opensearch_url, settings.opensearch_index)
    if settings.elasticsearch_url:
        from indexer.es_index import ElasticsearchIndex

        return ElasticsearchIndex(settings.elasticsearch_url, settings.elasticsearch_index)
    from indexer.tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir)
