"""Fixtures on real engines: SQLite and PostgreSQL, a local object directory, a SeaweedFS S3 server
and an OpenSearch node.

`wiring` is parametrised over the two deployments Mawrid supports —
SQLite + local files (embedded) and PostgreSQL + S3 (at scale) — so every
test that uses it runs against both. `MAWRID_TEST_BACKENDS=embedded` limits a
run to the embedded pair when PostgreSQL is not available.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from repository.db.engine import make_engine, migrate
from repository.db.tables import metadata
from repository.domain import SYSTEM, Actor, Role
from repository.jobs.pool import ResourcesFactory
from repository.objects.local import LocalObjectStore
from repository.objects.ports import ObjectStore
from repository.objects.s3 import S3ObjectStore
from repository.services.collections import create_collection, create_community
from repository.settings import Settings
from tests.opensearch_node import NodeUnavailable, build, opensearch_node
from tests.s3server import seaweedfs
from web.wiring import Wiring, wire

PG_ADMIN = os.environ.get("MAWRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = os.environ.get("MAWRID_TEST_BACKENDS", "embedded,scale").split(",")
LIBRARIAN = Actor(user_id=None, name="librarian@test", role=Role.LIBRARIAN)


# --- PostgreSQL: one database per test run, emptied between tests -------------------------------


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"mawrid_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


# --- S3: a real SeaweedFS server for the session ----------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs"), S3_BUCKET) as endpoint:
        yield endpoint


S3_BUCKET = "mawrid-tests"


def make_s3_store(endpoint: str, spool: Path) -> S3ObjectStore:
    """A store in the session's bucket under a fresh prefix: SeaweedFS gives every new bucket
    its own volumes, so one bucket per test would exhaust them."""
    store = S3ObjectStore(
        S3_BUCKET,
        endpoint_url=endpoint,
        access_key_id="any",
        secret_access_key="any",
        spool_dir=spool,
        prefix=f"t-{secrets.token_hex(6)}/",
    )
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def object_store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    return make_s3_store(request.getfixturevalue("s3_endpoint"), tmp_path / "spool")


# --- OpenSearch: a real node for the session, or the cluster MAWRID_OPENSEARCH_URL names ----------


_node_build: list[str | Exception] = []  # the classpath, or why it could not be built; set before the tests run


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the OpenSearch node (Maven, javac) before the first test when any test needs it: a first run's
    download would otherwise count against that one test's timeout."""
    if os.environ.get("MAWRID_OPENSEARCH_URL"):
        return
    for item in session.items:
        params = getattr(item, "callspec", None)
        fixtures = getattr(item, "fixturenames", ())
        if "opensearch_url" in fixtures or (params is not None and "opensearch" in params.params.values()):
            try:
                _node_build.append(build())
            except (NodeUnavailable, RuntimeError) as exc:
                _node_build.append(exc)  # reported by the fixture, on the tests that need the node
            return


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Skips when this machine cannot build a node (no Java 17 or Maven), unless MAWRID_REQUIRE_OPENSEARCH=1,
    as CI sets, makes that a failure; a node that is built but does not start always fails."""
    if url := os.environ.get("MAWRID_OPENSEARCH_URL"):
        yield url
        return
    try:
        built = _node_build[0] if _node_build else build()
        if isinstance(built, Exception):
            raise built
        with opensearch_node(tmp_path_factory.mktemp("opensearch"), classpath=built) as url:
            yield url
    except NodeUnavailable as exc:
        if os.environ.get("MAWRID_REQUIRE_OPENSEARCH") == "1":
            pytest.fail(f"MAWRID_REQUIRE_OPENSEARCH=1 but {exc}")
        pytest.skip(str(exc))


# --- The whole repository, wired -------------------------------------------------------------


@pytest.fixture(params=[b for b in ("embedded", "scale") if b in BACKENDS])
def wiring(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Wiring]:
    data = tmp_path / "data"
    if request.param == "embedded":
        settings = Settings(data_dir=data, _env_file=None)  # type: ignore[call-arg]
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        store: ObjectStore = LocalObjectStore(settings.objects_dir)
    else:
        url = request.getfixturevalue("pg_url")
        _empty_postgres(url)
        settings = Settings(data_dir=data, database_url=url, _env_file=None)  # type: ignore[call-arg]
        engine = make_engine(url)
        store = make_s3_store(request.getfixturevalue("s3_endpoint"), data / "tmp")
    yield Wiring(settings=settings, engine=engine, store=store)
    engine.dispose()


@pytest.fixture
def collection(wiring: Wiring) -> str:
    """A community and a collection to deposit into."""
    create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
    create_collection(wiring.uow(), SYSTEM, "media", "journalism", "Journalism", "الصحافة")
    return "journalism"


@pytest.fixture
def librarian() -> Actor:
    return LIBRARIAN


# --- Ingest worker processes -----------------------------------------------------------------


@pytest.fixture
def worker_wiring(wiring: Wiring) -> Wiring:
    """The `wiring` fixture with settings that name its object store, so worker processes rebuild the same one."""
    settings = wiring.settings
    if isinstance(wiring.store, S3ObjectStore):
        settings = settings.model_copy(
            update={
                "s3_bucket": wiring.store.bucket,
                "s3_prefix": wiring.store.prefix,
                "s3_endpoint_url": wiring.store.client.meta.endpoint_url,
                "s3_access_key_id": "any",
                "s3_secret_access_key": SecretStr("any"),
            }
        )
    return Wiring(settings=settings, engine=wiring.engine, store=wiring.store)


@pytest.fixture
def factory(worker_wiring: Wiring) -> ResourcesFactory:
    return partial(wire, worker_wiring.settings, migrate_schema=False)
