"""open_index(settings): Elasticsearch when MAWRID_ELASTICSEARCH_URL is set, else tantivy under the data directory."""

from __future__ import annotations

from indexer.ports import SearchIndex
from repository.settings import Settings


def open_index(settings: Settings) -> SearchIndex:
    if settings.elasticsearch_url:
        from indexer.es_index import ElasticsearchIndex  # the client is only imported when a cluster is used

        return ElasticsearchIndex(settings.elasticsearch_url, settings.elasticsearch_index)
    from indexer.tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir)
