"""`make bench`: run every benchmark and write bench/report.md.

Each module's `run(quick)` returns a Markdown section whose figures are ratios
against a baseline measured in the same run, because these machines are
shared and noisy. `python -m bench --quick` runs small sizes; `python -m bench
objects search` runs only those modules; `--items 20000` sets the search
benchmark's corpus size and `--cache-dir DIR` keeps its built index there for
the next run (it takes minutes to build at 100,000 items).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

MODULES = ["objects", "ingest", "ocr", "search", "oai"]
REPORT = Path(__file__).parent / "report.md"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("modules", nargs="*", help=f"which benchmarks: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--items", type=int, help="search: corpus size (default 100,000; 3,000 with --quick)")
    parser.add_argument("--cache-dir", type=Path, help="search: keep the built index here and reuse it")
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args()
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}")
    sections = [
        "# Mawrid benchmark report",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"{platform.machine()} · {'quick' if args.quick else 'full'} run",
    ]
    for name in args.modules or MODULES:
        started = time.monotonic()
        print(f"== {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        wanted = inspect.signature(module.run).parameters
        options = {k: v for k, v in (("items", args.items), ("cache_dir", args.cache_dir)) if k in wanted and v}
        sections.append(module.run(quick=args.quick, **options).strip())
        sections.append(f"_({name}: {time.monotonic() - started:.0f} s)_")
    args.output.write_text("\n\n".join(sections) + "\n", "utf-8")
    print(args.output.read_text("utf-8"))


if __name__ == "__main__":
    main()
