"""The one place that turns Settings into engines and adapters.

The web app, the CLI and the workers all start from `wire(settings)` and so
share one choice of database, object store and search index. Ingest worker
processes (`mawrid worker`, `mawrid serve`, `mawrid import`) each call
`wire(settings)` themselves, the same choice the caller made, so workers can
equally run on this machine or on others that share the database and store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from repository.db.engine import make_engine, migrate
from repository.db.uow import UnitOfWork
from repository.directory.ports import Directory
from repository.domain import Role
from repository.jobs.pool import ResourcesFactory, WorkerPool, default_concurrency
from repository.jobs.pool import run_pending_jobs as drain
from repository.jobs.queue import RunSummary
from repository.jobs.worker import WorkerConfig
from repository.objects.local import LocalObjectStore
from repository.objects.ports import ObjectStore
from repository.objects.s3 import S3ObjectStore
from repository.settings import Settings

if TYPE_CHECKING:
    from indexer.ports import SearchIndex


@dataclass
class Wiring:
    settings: Settings
    engine: Engine
    store: ObjectStore
    # Run after every committed unit of work; `serve` adds the index sync's nudge, so search follows at once.
    commit_hooks: list[Callable[[], None]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.commit_hooks)

    @cached_property
    def directory(self) -> Directory | None:
        """The university directory for sign-in, when MAWRID_LDAP_URL is set."""
        return make_directory(self.settings)

    @cached_property
    def index(self) -> SearchIndex:
        return open_index(self.settings)


def make_directory(settings: Settings) -> Directory | None:
    if not settings.ldap_url:
        return None
    from repository.directory.ldap import LdapDirectory  # ldap3 is loaded only where a directory is configured

    role_groups = [
        (Role.ADMIN, settings.ldap_admin_group or ""),
        (Role.LIBRARIAN, settings.ldap_librarian_group or ""),
        (Role.SUBMITTER, settings.ldap_submitter_group or ""),
    ]
    return LdapDirectory(
        settings.ldap_url,
        user_dn_template=settings.ldap_user_dn_template,
        search_base=settings.ldap_search_base,
        search_filter=settings.ldap_search_filter,
        bind_dn=settings.ldap_bind_dn,
        bind_password=settings.ldap_bind_password.get_secret_value() if settings.ldap_bind_password else None,
        mail_attribute=settings.ldap_mail_attribute,
        name_attribute=settings.ldap_name_attribute,
        role_groups=role_groups,
        default_role=Role(settings.ldap_default_role) if settings.ldap_default_role else None,
        timeout=settings.ldap_timeout_seconds,
    )


def open_index(settings: Settings) -> SearchIndex:
    """OpenSearch or Elasticsearch when its URL is set, else tantivy under the data directory."""
    # A cluster's client is only imported when that cluster is used.
    if settings.opensearch_url:
        from indexer.os_index import OpenSearchIndex

        return OpenSearchIndex(settings.opensearch_url, settings.opensearch_index)
    if settings.elasticsearch_url:
        from indexer.es_index import ElasticsearchIndex

        return ElasticsearchIndex(settings.elasticsearch_url, settings.elasticsearch_index)
    from indexer.tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir)


def spool_dir(settings: Settings) -> Path:
    """Local scratch space for files on their way into the store (S3 spool, workspace imports)."""
    return settings.data_dir / "tmp"


def make_store(settings: Settings) -> ObjectStore:
    if settings.uses_s3:
        assert settings.s3_bucket is not None
        store = S3ObjectStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=(
                settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
            ),
            spool_dir=spool_dir(settings),
            prefix=settings.s3_prefix,
        )
        store.ensure_bucket()
        return store
    return LocalObjectStore(settings.objects_dir)


def wire(settings: Settings, *, migrate_schema: bool = True) -> Wiring:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    if migrate_schema:
        migrate(engine)
    return Wiring(settings=settings, engine=engine, store=make_store(settings))


# --- ingest worker processes ----------------------------------------------------------------------


def factory_for(settings: Settings) -> ResourcesFactory:
    """What a worker process calls to wire itself (picklable, for spawned processes)."""
    return partial(wire, settings, migrate_schema=False)


def start_workers(wiring: Wiring, concurrency: int | None = None) -> WorkerPool:
    """Start background worker processes (call from the main thread); stop them with `pool.stop()`."""
    config = WorkerConfig.from_settings(wiring.settings)
    return WorkerPool(factory_for(wiring.settings), config, concurrency or default_concurrency()).start()


def run_pending_jobs(
    wiring: Wiring,
    workers: int | None = None,
    progress_callback: Callable[[int, int], None] | None = None,
    job_ids: list[int] | None = None,
) -> RunSummary:
    """Process queued jobs (`job_ids`, default all unfinished) with `workers` processes until none is left.

    `progress_callback(finished, total)` follows along; the summary counts the done jobs and lists each
    failure with its file and reason.
    """
    return drain(
        factory_for(wiring.settings),
        wiring.engine,
        WorkerConfig.from_settings(wiring.settings),
        workers or default_concurrency(),
        progress_callback,
        job_ids,
    )
