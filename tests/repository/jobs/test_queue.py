"""The queue's promises: one claim per job, leases that expire, retries with backoff, failures with reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from repository.db.uow import reading
from repository.domain import JobStatus, utcnow
from repository.jobs import queue as jobs
from repository.jobs.queue import QueuePolicy
from tests.factories import make_item
from web.wiring import Wiring

POLICY = QueuePolicy(lease_seconds=60, max_attempts=3, backoff_seconds=30)


@pytest.fixture
def t0() -> datetime:
    """ "Now" for the queue, after every job the test enqueues: taken per test, as the suite runs for minutes."""
    return utcnow() + timedelta(minutes=10)


def queue(wiring: Wiring, collection: str, count: int) -> list[int]:
    files = {f"f{n}.txt": f"text {n}".encode() for n in range(count)}
    make_item(wiring, collection, files=files)
    with reading(wiring.engine) as conn:
        return sorted(v.job.id for v in jobs.list_jobs(conn))


def status_of(wiring: Wiring, job_id: int) -> jobs.IngestJob:
    with reading(wiring.engine) as conn:
        return jobs.load_job(conn, job_id)


def test_each_job_is_claimed_once_while_its_lease_holds(wiring: Wiring, collection: str, t0: datetime) -> None:
    ids = queue(wiring, collection, 2)
    first = jobs.claim(wiring.uow(), "w1", POLICY, t0)
    second = jobs.claim(wiring.uow(), "w2", POLICY, t0)
    assert first is not None and second is not None and {first.id, second.id} == set(ids)
    assert jobs.claim(wiring.uow(), "w3", POLICY, t0 + timedelta(seconds=59)) is None
    assert first.status is JobStatus.RUNNING and first.attempts == 1 and first.worker == "w1"


def test_an_expired_lease_is_claimed_again_and_the_old_worker_cannot_renew(
    wiring: Wiring, collection: str, t0: datetime
) -> None:
    [job_id] = queue(wiring, collection, 1)
    assert jobs.claim(wiring.uow(), "dead", POLICY, t0) is not None
    later = t0 + timedelta(seconds=61)
    again = jobs.claim(wiring.uow(), "alive", POLICY, later)
    assert again is not None and again.id == job_id and again.attempts == 2 and again.worker == "alive"
    assert not jobs.renew(wiring.uow(), job_id, "dead", POLICY, later)
    assert jobs.renew(wiring.uow(), job_id, "alive", POLICY, later + timedelta(seconds=50))
    assert jobs.claim(wiring.uow(), "other", POLICY, later + timedelta(seconds=100)) is None  # renewed to +110 s


def test_a_job_whose_workers_keep_dying_ends_failed_with_a_reason(
    wiring: Wiring, collection: str, t0: datetime
) -> None:
    [job_id] = queue(wiring, collection, 1)
    now = t0
    for _ in range(POLICY.max_attempts):
        assert jobs.claim(wiring.uow(), "crashy", POLICY, now) is not None
        now += timedelta(seconds=61)
    assert jobs.claim(wiring.uow(), "next", POLICY, now) is None
    job = status_of(wiring, job_id)
    assert job.status is JobStatus.FAILED and "stopped 3 times" in (job.error or "")


def test_failures_are_retried_with_growing_backoff_then_fail(wiring: Wiring, collection: str, t0: datetime) -> None:
    [job_id] = queue(wiring, collection, 1)
    now = t0
    for attempt, delay in ((1, 30), (2, 60)):
        assert jobs.claim(wiring.uow(), "w", POLICY, now) is not None
        assert jobs.fail(wiring.uow(), job_id, "w", "store down", POLICY, now, retry=True) is JobStatus.QUEUED
        assert jobs.claim(wiring.uow(), "w", POLICY, now + timedelta(seconds=delay - 1)) is None
        now += timedelta(seconds=delay)
        assert status_of(wiring, job_id).error == f"attempt {attempt} failed: store down"
    assert jobs.claim(wiring.uow(), "w", POLICY, now) is not None
    assert jobs.fail(wiring.uow(), job_id, "w", "store down", POLICY, now, retry=True) is JobStatus.FAILED
    assert status_of(wiring, job_id).error == "store down"


def test_a_refusal_fails_at_once_and_retry_failed_requeues(wiring: Wiring, collection: str, t0: datetime) -> None:
    [job_id] = queue(wiring, collection, 1)
    jobs.claim(wiring.uow(), "w", POLICY, t0)
    assert jobs.fail(wiring.uow(), job_id, "w", "refused: zip bomb", POLICY, t0, retry=False) is JobStatus.FAILED
    with reading(wiring.engine) as conn:
        assert jobs.count_jobs(conn) == {"queued": 0, "running": 0, "done": 0, "failed": 1}
        [view] = jobs.list_jobs(conn, JobStatus.FAILED)
    assert view.job.error == "refused: zip bomb" and view.file_name == "f0.txt"
    assert jobs.retry_failed(wiring.uow(), t0) == 1
    job = status_of(wiring, job_id)
    assert job.status is JobStatus.QUEUED and job.attempts == 0


def test_a_released_job_is_queued_again_without_spending_an_attempt(
    wiring: Wiring, collection: str, t0: datetime
) -> None:
    [job_id] = queue(wiring, collection, 1)
    jobs.claim(wiring.uow(), "w", POLICY, t0)
    jobs.release(wiring.uow(), job_id, "w", t0)
    job = status_of(wiring, job_id)
    assert job.status is JobStatus.QUEUED and job.attempts == 0 and job.lease_until is None
