"""The ingest queue: `mawrid extract` (one file, nothing stored), `mawrid jobs`, `mawrid worker`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from repository.db.uow import reading
from repository.errors import MawridError
from repository.settings import Settings
from web.cli.console import app, err, out, progress_bar, wiring
from web.wiring import Wiring

if TYPE_CHECKING:
    from repository.jobs.queue import RunSummary

jobs_app = typer.Typer(help="The ingest queue: list jobs, or `jobs retry` to re-queue failed ones.")
app.add_typer(jobs_app, name="jobs", invoke_without_command=True)
EXTRACT_TEXT_SHOWN = 2000  # characters of text printed without --json


def ingest_jobs(w: Wiring, job_ids: list[int], workers: int | None = None) -> RunSummary:
    """Run these ingest jobs with worker processes under a progress bar; print a summary listing
    each warned and each failed file."""
    from web.wiring import run_pending_jobs

    with progress_bar() as bar:
        task = bar.add_task("Ingesting", total=len(job_ids))
        summary = run_pending_jobs(
            w, workers, lambda finished, total: bar.update(task, completed=finished, total=total), job_ids
        )
    clean = summary.done - len(summary.warned)
    out.print(f"{clean} files ingested cleanly, {len(summary.warned)} with warnings, {len(summary.failures)} failed")
    for warned in summary.warned:
        out.print(
            f"  [yellow]warning[/yellow] {warned.file_name} (item {warned.item_id}): {'; '.join(warned.warnings)}",
            highlight=False,
        )
    for failure in summary.failures:
        out.print(
            f"  [red]failed[/red] {failure.file_name} (item {failure.item_id}): {failure.reason}", highlight=False
        )
    return summary


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to read.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (see README).")] = False,
) -> None:
    """Detect and extract one file as an ingest job would (same limits), without touching the repository.

    A refused file prints its reason and exits with its error's status (8: a format refused, 11: the reader
    failed or ran past the limits).
    """
    from repository.ingest.sandbox import Limits, run_limited

    settings = Settings()
    try:
        result = run_limited(
            str(file), file.name, Limits(settings.job_time_limit_seconds, settings.job_memory_limit_mb)
        )
    except MawridError as exc:
        if as_json:
            out.out(json.dumps({"error": exc.message}, ensure_ascii=False))
        else:
            err.print(f"[red]refused:[/red] {exc.message}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        out.out(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    table = Table(box=None, show_header=False)
    for label, value in (
        ("mime", result.mime), ("kind", result.kind), ("language", result.language or "—"),
        ("pages", result.page_count or "—"), ("characters", len(result.text)),
        ("thumbnail", f"{result.thumbnail.mime}, {len(result.thumbnail.data)} bytes" if result.thumbnail else "—"),
    ):  # fmt: skip
        table.add_row(label, str(value))
    out.print(table)
    out.print_json(json.dumps({"metadata": result.metadata, "details": result.details}, ensure_ascii=False))
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if result.text:
        more = "…" if len(result.text) > EXTRACT_TEXT_SHOWN else ""
        out.print(result.text[:EXTRACT_TEXT_SHOWN] + more, highlight=False, markup=False)


@jobs_app.callback()
def jobs_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="queued, running, done or failed.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the jobs as JSON.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many jobs, newest first.")] = 200,
) -> None:
    """List ingest jobs, the count in each status, and why failed ones failed."""
    from repository.jobs import queue as jobs

    if ctx.invoked_subcommand is not None:
        return
    wanted = jobs.parse_status(status)
    w = wiring()
    with reading(w.engine) as conn:
        counts = jobs.count_jobs(conn)
        views = jobs.list_jobs(conn, wanted, limit)
    if as_json:
        listed = [
            {"id": v.job.id, "item_id": v.job.item_id, "file_id": v.job.file_id, "file": v.file_name,
             "status": v.job.status.value, "attempts": v.job.attempts, "error": v.job.error,
             "warnings": v.warnings, "worker": v.job.worker, "created": v.job.created.isoformat(),
             "updated": v.job.updated.isoformat()}
            for v in views
        ]  # fmt: skip
        out.out(json.dumps({"counts": counts, "jobs": listed}, ensure_ascii=False, indent=2))
        return
    out.print("  ".join(f"{name}: {n}" for name, n in counts.items()))
    table = Table("job", "item", "file", "status", "tries", "reason / warnings", box=None)
    for v in views:
        note = v.job.error or "; ".join(v.warnings)
        table.add_row(str(v.job.id), v.job.item_id, v.file_name, v.job.status.value, str(v.job.attempts), note)
    out.print(table)


@jobs_app.command("retry")
def jobs_retry() -> None:
    """Queue every failed job again, with fresh attempts."""
    from repository.domain import utcnow
    from repository.jobs import queue as jobs

    count = jobs.retry_failed(wiring().uow(), utcnow())
    out.print(f"{count} failed jobs queued again")


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
) -> None:
    """Run ingest workers until Ctrl-C or SIGTERM; a job in progress is handed back to the queue."""
    import logging
    import signal
    import time

    from repository.jobs.pool import default_concurrency
    from web.supervisor import Supervisor
    from web.wiring import start_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    w = wiring()
    count = concurrency or default_concurrency()
    pool = start_workers(w, count)
    supervisor = Supervisor([("ingest workers", pool)]).start()  # a worker killed or crashed is replaced
    terminated: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _: terminated.append(signum))  # only a flag: see worker.Stopping
    err.print(f"{count} ingest workers running (data: {w.settings.data_dir.resolve()}); Ctrl-C stops them")
    try:
        while not terminated:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        pool.stop()  # before the supervisor: processes it restarted die with its thread
        supervisor.stop()
    err.print("ingest workers stopped")
