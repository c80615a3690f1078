"""A bounded load test: mixed page, search and OAI-PMH requests, many at once, on loopback only.

`python -m bench.load` seeds a temporary embedded repository, serves it with
uvicorn in a thread (the app's lifespan on, so the index sync runs as under
`mawrid serve`) and sends `--requests` requests, `--concurrency` at a time,
drawn in a fixed order from a mix of reader pages, searches (site and API,
with the cursor of a previous page), downloads with Range, sitemaps and
OAI-PMH by GET and POST. `--url` aims it at a server already running (it
must be on 127.0.0.1) instead. Every answer must be a 2xx, a 3xx or an
expected 4xx (404, 410); anything else, a 5xx or a broken connection, is
an error. The run stops at `--max-seconds` whatever is left.

It reports errors, latency percentiles and throughput; the exit code is 1
if any request failed. This checks robustness under concurrency, not speed:
speed lives in the ratio benchmarks beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from indexer.sync import sync
from repository.domain import SYSTEM
from repository.services.collections import create_collection, create_community
from repository.services.deposit import deposit_item
from repository.services.files import add_file
from repository.services.workflow import publish_item
from repository.settings import Settings
from tests.server import served
from web.app import create_app
from web.wiring import wire

EXPECTED = {404, 410}
WORDS = ["libraries", "المكتبات", "olive", "تعليم", "open access", "media", '"distance learning"', "year:2020"]


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


@contextmanager
def seeded_server(items: int = 40) -> Iterator[str]:
    """A fresh embedded repository with `items` public items (some with a PDF), served on loopback."""
    with tempfile.TemporaryDirectory(prefix="mawrid-load-") as tmp:
        wiring = wire(Settings(data_dir=Path(tmp), _env_file=None))  # type: ignore[call-arg]
        create_community(wiring.uow(), SYSTEM, "media", "Media", "الإعلام")
        create_collection(wiring.uow(), SYSTEM, "media", "theses", "Theses", "الرسائل")
        for n in range(items):
            arabic = n % 2 == 0
            title = f"دراسة المكتبات والتعليم {n}" if arabic else f"A study of libraries and open access {n}"
            metadata = {
                "titles": [{"value": title, "lang": "ar" if arabic else "en"}],
                "type": "thesis" if n % 3 else "article",
                "date_issued": str(2000 + n % 25),
                "creators": [{"name": "خليل، أحمد" if arabic else "Haddad, Sara"}],
                "subjects": [{"value": "olive" if n % 4 == 0 else "media"}],
            }
            item = deposit_item(wiring.uow(), SYSTEM, "theses", metadata)
            if n % 3 == 0:
                pdf = b"%PDF-1.4\n" + b"0" * 4096 + b"\n%%EOF\n"
                add_file(wiring.uow(), wiring.store, SYSTEM, item.id, io.BytesIO(pdf), f"thesis-{n}.pdf")
            publish_item(wiring.uow(), SYSTEM, item.id)
        sync(wiring.engine, wiring.store, wiring.index)
        with served(create_app(wiring), lifespan="on") as url:
            yield url


def request_mix(http: httpx.Client) -> list[tuple[str, str, dict[str, str] | None]]:
    """(method, path, form) requests, built from what the server holds: item ids, a search cursor."""
    found = http.get("/api/search", params={"limit": 20, "sort": "newest"}).json()
    ids = [h["id"] for h in found["hits"]]
    files = [f["url"] for i in ids[:10] for f in http.get(f"/api/items/{i}").json().get("files", []) if "url" in f]
    cursor = found.get("cursor") or ""
    mix: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET", "/", None),
        ("GET", "/about", None),
        ("GET", "/browse/title", None),
        ("GET", "/browse/year", None),
        ("GET", "/courses", None),
        ("GET", "/sitemap.xml", None),
        ("GET", "/feed.atom", None),
        ("GET", f"/search?sort=newest&cursor={cursor}", None),
        ("GET", f"/api/search?sort=newest&limit=20&cursor={cursor}", None),
        ("GET", "/oai?verb=Identify", None),
        ("GET", "/oai?verb=ListRecords&metadataPrefix=oai_dc", None),
        ("GET", "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01", None),
        ("POST", "/oai", {"verb": "ListSets"}),
        ("GET", "/no-such-page", None),
    ]
    mix += [("GET", f"/search?q={w}", None) for w in WORDS]
    mix += [("GET", f"/api/search?q={w}&limit=5", None) for w in WORDS]
    mix += [("GET", f"/items/{i}", None) for i in ids]
    mix += [("GET", f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:{i}", None) for i in ids[:5]]
    mix += [("GET", urlsplit(f).path, None) for f in files]
    return mix


async def hammer(base: str, total: int, concurrency: int, max_seconds: float) -> Outcome:
    with httpx.Client(base_url=base, timeout=30) as http:
        mix = request_mix(http)
    outcome = Outcome()
    queue: asyncio.Queue[tuple[str, str, dict[str, str] | None]] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(mix[(n * 7) % len(mix)])  # a fixed, interleaved order
    deadline = time.monotonic() + max_seconds

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            method, path, form = queue.get_nowait()
            started = time.perf_counter()
            try:
                headers = {"range": "bytes=0-99"} if "/files/" in path else {}
                response = await http.request(method, path, data=form, headers=headers)
                await response.aread()
            except httpx.HTTPError as exc:
                outcome.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            outcome.latencies.append(time.perf_counter() - started)
            outcome.statuses[response.status_code] += 1
            if response.status_code >= 400 and response.status_code not in EXPECTED:
                outcome.errors.append(f"{method} {path}: {response.status_code}")

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    if not queue.empty():
        outcome.errors.append(f"{queue.qsize()} requests not sent within {max_seconds} s")
    return outcome


def report(outcome: Outcome, seconds: float, concurrency: int) -> str:
    done = len(outcome.latencies)
    cuts = statistics.quantiles(outcome.latencies, n=100) if done > 1 else [0.0] * 99
    lines = [
        f"{done} answered, {len(outcome.errors)} errors, {concurrency} concurrent, {seconds:.1f} s "
        f"({done / seconds:.0f} requests/s)",
        f"latency ms: p50 {cuts[49] * 1000:.0f}, p95 {cuts[94] * 1000:.0f}, p99 {cuts[98] * 1000:.0f}, "
        f"max {max(outcome.latencies, default=0) * 1000:.0f}",
        "statuses: " + ", ".join(f"{code}×{n}" for code, n in sorted(outcome.statuses.items())),
    ]
    lines += [f"  error: {e}" for e in outcome.errors[:20]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--url", help="a server already running on 127.0.0.1 (default: start a seeded one)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 200:
        parser.error("--requests must be 1-100000 and --concurrency 1-200")
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address: this tool is not for other people's servers")
    with nullcontext(args.url) if args.url else seeded_server() as base:
        started = time.monotonic()
        outcome = asyncio.run(hammer(base, args.requests, args.concurrency, args.max_seconds))
        print(report(outcome, time.monotonic() - started, args.concurrency))
    sys.exit(1 if outcome.errors else 0)


if __name__ == "__main__":
    main()
