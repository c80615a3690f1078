"""Ingest jobs: the queue in the database, and the workers that drain it.

The package sits above the services, and its imports run one way:

    repository.jobs.queue    rows of `ingest_jobs` only: db, domain, errors
          ↑
    repository.services      enqueue a file's job, complete it with its extraction (same transaction)
          ↑
    repository.jobs.worker   claim → extract in the sandbox (repository.ingest) → apply via services
          ↑
    repository.jobs.pool     worker processes from a resources factory; draining the queue

`queue` never imports a service, so services may use it; `worker` and `pool`
import services and are imported by none of them. `repository.ingest` stays
pure extraction and imports none of this. tests/repository/jobs/test_layering.py
holds the line.
"""
