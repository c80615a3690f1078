"""OAI-PMH harvest speed: a full ListRecords oai_dc harvest, and page 1 against page 1,000.

Setup bulk-inserts published items (realistic Arabic/English metadata, one in
three with a PDF) straight into an embedded SQLite repository — the services
are too slow for 100,000 items and the harvest does not care how rows came.
Baselines measured in the same run:

- a raw SELECT of the same rows (items and their files, ordered by
  datestamp, id, through SQLAlchemy as the harvest reads them): the floor
  no harvest can beat, so records/s is reported against it;
- page 2 (the first resumed page) for the cost of a deep page: with keyset
  pagination page 1,000 should cost the same, where an OFFSET query grows
  with depth (shown for contrast).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import insert, select

from harvest.service import OaiProvider
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import SYSTEM
from repository.services.collections import create_collection, create_community
from repository.settings import Settings
from tests.server import served
from web.oai import router
from web.wiring import Wiring, wire

PAGE_SIZE = 100
HTTP_RECORDS = 20_000  # enough pages for a steady rate over HTTP, without doubling the run
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ARABIC_WORDS = [
    "التعليم",
    "المفتوح",
    "جامعة",
    "القدس",
    "دراسة",
    "تحليلية",
    "أثر",
    "الإعلام",
    "الرقمي",
    "على",
    "المجتمع",
    "الفلسطيني",
]
ENGLISH_WORDS = [
    "open",
    "learning",
    "distance",
    "education",
    "media",
    "society",
    "digital",
    "library",
    "study",
    "analysis",
]


def _metadata(rng: random.Random, n: int) -> dict[str, Any]:
    arabic = n % 2 == 0
    words = ARABIC_WORDS if arabic else ENGLISH_WORDS
    lang = "ar" if arabic else "en"
    return {
        "titles": [{"value": " ".join(rng.choices(words, k=7)) + f" {n}", "lang": lang}],
        "creators": [{"name": " ".join(rng.choices(words, k=3))} for _ in range(2)],
        "subjects": [{"value": w, "lang": lang} for w in rng.sample(words, 3)],
        "abstracts": [{"value": " ".join(rng.choices(words, k=45)), "lang": lang}],
        "language": lang,
        "date_issued": f"{rng.randint(1995, 2024)}",
        "publisher": "جامعة القدس المفتوحة",
        "type": rng.choice(["article", "book", "thesis", "report", "course"]),
        "license": {"uri": "https://creativecommons.org/licenses/by/4.0/"},
    }


def _populate(settings: Settings, count: int) -> None:
    wiring = wire(settings)
    create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
    create_collection(wiring.uow(), SYSTEM, "media", "journalism", "Journalism", "الصحافة")
    rng = random.Random(7)
    start = datetime(2020, 1, 1)
    items, files = [], []
    for n in range(count):
        item_id = "".join(rng.choices(ALPHABET, k=10))
        stamp = start + timedelta(seconds=n // 3)  # three records to a second: keyset ties on id
        items.append(
            {
                "id": item_id,
                "collection_id": "journalism",
                "status": "published",
                "visibility": "public",
                "embargo_until": None,
                "metadata": _metadata(rng, n),
                "suggestions": {},
                "created": stamp,
                "datestamp": stamp,
                "version": 2,
                "indexed_version": 2,
            }
        )
        if n % 3 == 0:
            files.append(
                {
                    "item_id": item_id,
                    "name": f"بحث {n}.pdf",
                    "size": 250_000,
                    "sha256": f"{n:064x}",
                    "md5": f"{n:032x}",
                    "mime": "application/pdf",
                    "role": "original",
                    "key": f"{n:064x}",
                    "created": stamp,
                    "details": {},
                }
            )
    with wiring.engine.begin() as conn:
        for chunk in range(0, count, 5000):
            conn.execute(insert(t.items), items[chunk : chunk + 5000])
        for chunk in range(0, len(files), 5000):
            conn.execute(insert(t.files), files[chunk : chunk + 5000])
    wiring.engine.dispose()


def _raw_select(provider: OaiProvider) -> int:
    count = 0
    with reading(provider.engine) as conn:
        query = select(t.items).order_by(t.items.c.datestamp, t.items.c.id).execution_options(yield_per=1000)
        for partition in conn.execute(query).partitions():
            count += len(records.load_items(conn, partition))
    return count


def _harvest(
    fetch: Callable[[list[tuple[str, str]]], bytes], keep: set[int], stop: int | None = None
) -> tuple[int, dict[int, str]]:
    """Harvest everything (or `stop` records); return the record count and the tokens of the pages in `keep`."""
    body = fetch([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
    count, page, kept = body.count(b"<record>"), 1, {}
    while (match := TOKEN.search(body)) is not None and (stop is None or count < stop):
        page += 1
        token = match.group(1).decode()
        if page in keep:
            kept[page] = token
        body = fetch([("verb", "ListRecords"), ("resumptionToken", token)])
        count += body.count(b"<record>")
    return count, kept


def _oai_app(wiring: Wiring) -> FastAPI:
    """The /oai router in a bare FastAPI app: the harvest path without the site's middleware."""
    app = FastAPI()
    app.state.wiring = wiring
    app.include_router(router)
    return app


def _medians_ms(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median time of each function, measured in alternation so drift in a noisy machine hits all alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) * 1000 for spent in times]


def _offset_page(provider: OaiProvider, offset: int) -> None:
    with reading(provider.engine) as conn:
        query = select(t.items).order_by(t.items.c.datestamp, t.items.c.id).limit(PAGE_SIZE).offset(offset)
        records.load_items(conn, conn.execute(query).all())


@contextmanager
def _postgres_url() -> Iterator[str | None]:
    """A scratch PostgreSQL database when a server is reachable (MAWRID_TEST_PG, as the tests use), else None."""
    admin_url = os.environ.get("MAWRID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    name = f"mawrid_bench_oai_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _measure(settings: Settings, count: int, deep: int, runs: int) -> dict[str, float]:
    started = time.perf_counter()
    _populate(settings, count)
    figures = {"setup": time.perf_counter() - started}
    wiring = wire(settings)
    if wiring.engine.dialect.name == "postgresql":
        with wiring.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # what autovacuum does soon after a bulk load
    provider = OaiProvider(wiring.engine, settings)
    try:
        started = time.perf_counter()
        raw = _raw_select(provider)
        figures["raw_rate"] = raw / (time.perf_counter() - started)
        started = time.perf_counter()
        harvested, tokens = _harvest(provider.respond, {2, deep})
        figures["rate"] = harvested / (time.perf_counter() - started)
        with served(_oai_app(wiring)) as base, httpx.Client(timeout=60) as http:
            started = time.perf_counter()
            over_http, _ = _harvest(lambda pairs: http.get(f"{base}/oai", params=pairs).content, set(), HTTP_RECORDS)
            figures["http_rate"] = over_http / (time.perf_counter() - started)
        assert harvested == raw == count and over_http == min(count, HTTP_RECORDS), (harvested, raw, over_http)

        def page(token: str | None) -> Callable[[], bytes]:
            if token is None:
                return lambda: provider.respond([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
            return lambda: provider.respond([("verb", "ListRecords"), ("resumptionToken", token)])

        figures["first"], figures["second"], figures["deep"] = _medians_ms(
            [page(None), page(tokens[2]), page(tokens[deep])], runs
        )
        figures["offset_first"], figures["offset_deep"] = _medians_ms(
            [lambda: _offset_page(provider, 0), lambda: _offset_page(provider, (deep - 1) * PAGE_SIZE)], runs
        )
    finally:
        wiring.engine.dispose()
    return figures


def _rows(backend: str, f: dict[str, float], count: int, deep: int) -> list[str]:
    return [
        f"| {backend} | full harvest, records/s | {f['rate']:,.0f} | raw SELECT of the same rows "
        f"{f['raw_rate']:,.0f}/s | {f['rate'] / f['raw_rate']:.2f} |",
        f"| {backend} | the same over HTTP (uvicorn, httpx client on loopback; first "
        f"{min(count, HTTP_RECORDS):,}), records/s | {f['http_rate']:,.0f} "
        f"| raw SELECT {f['raw_rate']:,.0f}/s | {f['http_rate'] / f['raw_rate']:.2f} |",
        f"| {backend} | page {deep} vs page 2 (resumed pages) | {f['deep']:.1f} ms | {f['second']:.1f} ms "
        f"| {f['deep'] / f['second']:.2f} |",
        f"| {backend} | page {deep} vs page 1 (page 1 also counts completeListSize) | {f['deep']:.1f} ms "
        f"| {f['first']:.1f} ms | {f['deep'] / f['first']:.2f} |",
        f"| {backend} | contrast: a plain OFFSET query, page {deep} vs page 1 | {f['offset_deep']:.1f} ms "
        f"| {f['offset_first']:.1f} ms | {f['offset_deep'] / f['offset_first']:.2f} |",
    ]


def run(quick: bool = False) -> str:
    count = 3_000 if quick else 100_000
    deep = count // PAGE_SIZE if quick else 1_000
    runs = 15 if quick else 40
    rows, setups = [], []
    with tempfile.TemporaryDirectory(prefix="mawrid-bench-oai-") as tmp, _postgres_url() as pg_url:
        backends = [("SQLite", None)] + ([("PostgreSQL", pg_url)] if pg_url else [])
        for backend, url in backends:
            settings = Settings(  # type: ignore[call-arg]
                data_dir=Path(tmp) / backend,
                database_url=url,
                base_url="https://repository.qou.test",
                oai_page_size=PAGE_SIZE,
                _env_file=None,
            )
            figures = _measure(settings, count, deep, runs)
            rows += _rows(backend, figures, count, deep)
            setups.append(f"{backend} {figures['setup']:.1f} s")
    missing = "" if pg_url else " PostgreSQL was not reachable, so only SQLite was measured."
    return "\n".join(
        [
            "## OAI-PMH harvest (`harvest/`)",
            "",
            f"{count:,} published items bulk-loaded (setup: {', '.join(setups)}), pages of {PAGE_SIZE}. A full "
            "ListRecords `oai_dc` harvest through `OaiProvider.respond` (argument checks, keyset queries, "
            "crosswalk, XML serialisation), then the same over HTTP. Page times are medians of "
            f"{runs} requests each, measured in alternation. Goals: ≥ 5,000 records/s; page {deep} costs what "
            f"an early page costs.{missing}",
            "",
            "| backend | measure | value | baseline | ratio |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
