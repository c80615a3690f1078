"""Helpers for tests that run ingest workers: a fast worker configuration, and `mawrid` run as a subprocess.

The `worker_wiring` and `factory` fixtures (tests/conftest.py) give worker processes the settings to
rebuild the test's own database and object store.
"""

from __future__ import annotations

import os

from repository.ingest.sandbox import Limits
from repository.jobs.queue import QueuePolicy
from repository.jobs.worker import WorkerConfig
from web.wiring import Wiring


def settings_env(wiring: Wiring) -> dict[str, str]:
    """The environment that makes `mawrid` commands use this wiring's database and store (short leases)."""
    settings = wiring.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAWRID_")}
    env.update(MAWRID_DATA_DIR=str(settings.data_dir), MAWRID_JOB_LEASE_SECONDS="2")
    if settings.database_url:
        env["MAWRID_DATABASE_URL"] = settings.database_url
    if settings.s3_bucket:
        env.update(
            MAWRID_S3_BUCKET=settings.s3_bucket, MAWRID_S3_PREFIX=settings.s3_prefix,
            MAWRID_S3_ENDPOINT_URL=settings.s3_endpoint_url or "",
            MAWRID_S3_ACCESS_KEY_ID="any", MAWRID_S3_SECRET_ACCESS_KEY="any",
        )  # fmt: skip
    return env


# Short leases and no backoff, so retries and lease expiry happen within a test.
FAST = WorkerConfig(
    policy=QueuePolicy(lease_seconds=2, max_attempts=3, backoff_seconds=0),
    limits=Limits(seconds=60, memory_mb=2048),
    poll_seconds=0.1,
)
