"""The `mawrid` command: parse arguments, call a service, print the outcome.

Errors from the MawridError family print their message and exit with the
class's exit code (2 stays Typer's usage error).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select

from harvest.exports import bagit
from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import SYSTEM, Item, Role
from repository.errors import MawridError, NotFound
from repository.services import batch, users
from repository.services.collections import create_collection, create_community
from repository.services.fixity import check_fixity
from repository.settings import Settings
from web.wiring import Wiring, wire

if TYPE_CHECKING:
    from repository.ingest.worker import RunSummary

app = typer.Typer(help="Mawrid — the digital content repository.", no_args_is_help=True, add_completion=False)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
out = Console()
err = Console(stderr=True)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "demo"
IMPORTED = ("general", "imported")  # community and collection for imports without --collection

T = TypeVar("T")


def main() -> None:
    try:
        app()
    except MawridError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)


def wiring() -> Wiring:
    return wire(Settings())


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err
    )


def with_progress(description: str, total: int, work: Callable[[Callable[..., None]], T]) -> T:
    """Run `work(advance)` under a progress bar of `total` steps."""
    with progress_bar() as bar:
        task = bar.add_task(description, total=total)
        return work(lambda *_: bar.advance(task))


# --- setting up --------------------------------------------------------------------------------


@app.command()
def init(
    demo: Annotated[bool, typer.Option(help="Load the demo content when the repository is empty.")] = False,
) -> None:
    """Create the data directory and database schema, the faculties, and a first administrator."""
    w = wiring()
    w.settings.secret()
    bagit.restore_structure(w.uow(), SYSTEM, DEMO_DIR / "structure.json")
    if not users.list_users(w.uow()):
        password = secrets.token_urlsafe(12)
        users.add_user(w.uow(), w.settings.admin_email, password, Role.ADMIN, name="Administrator")
        note = w.settings.data_dir / "admin-password.txt"
        note.write_text(f"{w.settings.admin_email}\n{password}\n")
        note.chmod(0o600)
        out.print(f"Administrator [bold]{w.settings.admin_email}[/bold] created; password in {note}")
    with reading(w.engine) as conn:
        empty = conn.execute(select(func.count()).select_from(t.items)).scalar_one() == 0
    if demo and empty:
        entries = batch.read_folder(DEMO_DIR / "items", confined=True)
        result = with_progress(
            "Loading demo content",
            len(entries),
            lambda advance: batch.import_entries(w.uow(), w.store, SYSTEM, entries, IMPORTED[1], progress=advance),
        )
        out.print(f"Loaded {len(result.created)} demo items")
        ingest_jobs(w, result.jobs)
    out.print(f"Repository ready in {w.settings.data_dir.resolve()}")


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    table = Table("setting", "value", box=None)
    for name, value in Settings().effective().items():
        table.add_row(name, value)
    out.print(table)


# --- the archive -------------------------------------------------------------------------------


def _ensure_imported_collection(w: Wiring) -> str:
    with reading(w.engine) as conn:
        have = {c.id for c in records.list_collections(conn)}
        communities = {c.id for c in records.list_communities(conn)}
    if IMPORTED[0] not in communities:
        create_community(w.uow(), SYSTEM, IMPORTED[0], "General", "عام")
    if IMPORTED[1] not in have:
        create_collection(w.uow(), SYSTEM, IMPORTED[0], IMPORTED[1], "Imported", "مستورد")
    return IMPORTED[1]


@app.command("import")
def import_(
    source: Annotated[
        Path | None, typer.Argument(help="A folder, a CSV sheet, or a folder of exported bags.", show_default=False)
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Collection for the new items (default: Imported).")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Leave every new item as a draft.")] = False,
    publish_anyway: Annotated[
        bool,
        typer.Option(
            "--publish-anyway", help="Publish after ingest even the items whose files failed or carry warnings."
        ),
    ] = False,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="Queue the files and return; workers ingest them later. The items are published at once,"
            " without their files being checked (add --draft to review them first).",
        ),
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes for the ingest (default: one per core).")
    ] = None,
    template: Annotated[bool, typer.Option("--template", help="Print a sheet template and exit.")] = False,
) -> None:
    """Batch-load files with their metadata into the archive (see README: the import sheet).

    The files are ingested before the command returns; an item is published only when all its files were
    ingested without a failure or a warning (encrypted, damaged, needs OCR…), else it is left as a draft.
    """
    if template:
        out.out(batch.sheet_template(), end="")
        return
    if source is None:
        raise typer.BadParameter("give a folder or sheet to import, or --template for a blank sheet", param_hint="PATH")
    w = wiring()
    if source.is_dir() and (source / "structure.json").is_file():
        _restore_bags(w, source)
        return
    if not source.exists():
        raise NotFound(f"{source} does not exist")
    problems: list[str] = []  # the sheet's row problems, listed with the later checks' by import_entries
    # The operator's own sheet may name any local path: the import is not confined to the sheet's folder.
    entries = (
        batch.read_sheet(source, confined=False, problems=problems)
        if source.is_file()
        else batch.read_folder(source, confined=False, problems=problems)
    )
    target = collection or _ensure_imported_collection(w)
    at_once = no_wait and not draft  # without waiting there is nothing to check the files by
    result = with_progress(
        "Importing",
        len(entries),
        lambda advance: batch.import_entries(
            w.uow(), w.store, SYSTEM, entries, target, publish=at_once,
            max_bytes=w.settings.max_upload_bytes, progress=advance, problems=problems,
        ),
    )  # fmt: skip
    out.print(
        f"{len(result.created)} items created, {len(result.skipped)} already there, {len(result.jobs)} files queued"
    )
    for label, why in result.skipped:
        out.print(f"  skipped {label}: {why}", highlight=False)
    if no_wait or not result.created:
        if at_once and result.created:
            out.print(f"{len(result.created)} items published at once, without waiting for their files to be checked")
        return
    summary = ingest_jobs(w, result.jobs, workers)
    if draft:
        out.print(f"{len(result.created)} items left as drafts (--draft)")
    else:
        drafts = batch.publish_after_ingest(w.uow(), SYSTEM, result.created, summary, anyway=publish_anyway)
        out.print(f"{len(result.created) - len(drafts)} items published, {len(drafts)} left as drafts")
        if drafts:
            out.print("  their files need attention; publish them from the workspace once checked:", highlight=False)
        for item_id in drafts:
            out.print(f"  draft {item_id}", highlight=False)
    if summary.failures:
        raise typer.Exit(1)


def ingest_jobs(w: Wiring, job_ids: list[int], workers: int | None = None) -> RunSummary:
    """Run these ingest jobs with worker processes under a progress bar; print a summary listing
    each warned and each failed file."""
    from web.workers import run_pending_jobs

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


def _restore_bags(w: Wiring, source: Path) -> None:
    bagit.restore_structure(w.uow(), SYSTEM, source / "structure.json")
    bags = [p for p in sorted(source.iterdir()) if bagit.is_bag(p)]
    restored = with_progress(
        "Restoring bags",
        len(bags),
        lambda advance: [(bagit.restore_bag(w.uow(), w.store, SYSTEM, bag), advance())[0] for bag in bags],
    )
    done = [item for item in restored if item is not None]
    out.print(f"{len(done)} items restored, {len(bags) - len(done)} already there")


@app.command("export")
def export_(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the bags; for a course, the file.")],
    ids: Annotated[list[str] | None, typer.Argument(help="Item ids, or the one course to export.")] = None,
    item: Annotated[list[str] | None, typer.Option(help="An item id (repeatable).")] = None,
    collection: Annotated[str | None, typer.Option(help="Every item of a collection.")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Every item: a full, restorable copy.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="bagit (items), or imscc, scorm, zip (a course).")] = "bagit",
) -> None:
    """Export items as BagIt bags (files, metadata.json, Dublin Core XML), or a course as IMS CC, SCORM or zip."""
    if fmt != "bagit":
        export_course([*(ids or []), *(item or [])], fmt, output)
        return
    item = [*(item or []), *(ids or [])] or None
    from lxml import etree

    from harvest.crosswalks.context import Context
    from harvest.crosswalks.oai_dc import to_oai_dc

    w = wiring()
    with reading(w.engine) as conn:
        query = select(t.items).order_by(t.items.c.id)
        if item:
            query = query.where(t.items.c.id.in_(item))
        elif collection:
            records.load_collection(conn, collection)
            query = query.where(t.items.c.collection_id == collection)
        elif not all_items:
            raise typer.BadParameter("give --item, --collection or --all")
        found = records.load_items(conn, conn.execute(query))
    missing = set(item or []) - {i.id for i in found}
    if missing:
        raise NotFound(f"no item {', '.join(sorted(missing))}")
    output.mkdir(parents=True, exist_ok=True)
    bagit.export_structure(w.engine, output)

    ctx = Context(w.settings.base_url.rstrip("/"), w.settings.repository_name, date.today())

    def dublin_core(i: Item) -> bytes:
        return bytes(etree.tostring(to_oai_dc(i, ctx), xml_declaration=True, encoding="UTF-8", pretty_print=True))

    def run(advance: Callable[..., None]) -> None:
        for it in found:
            bagit.export_item(it, w.store, output, dublin_core, w.settings.repository_name)
            advance()

    with_progress("Exporting", len(found), run)
    out.print(f"{len(found)} bags written to {output}")


@app.command()
def fixity(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-hash every stored object; report missing and altered ones (exit status 10 if any)."""
    w = wiring()
    with progress_bar() as bar:
        task = bar.add_task("Checking objects", total=None)
        report = check_fixity(
            w.engine,
            w.store,
            lambda n, total: bar.update(task, completed=n, total=total),
            leftover_grace_seconds=w.settings.temp_grace_minutes * 60,
        )
    if as_json:
        out.out(json.dumps({
            "checked": report.checked, "ok": report.ok,
            "problems": [{"kind": p.kind, "key": p.key, "expected_sha256": p.expected_sha256,
                          "actual_sha256": p.actual_sha256, "items": p.item_ids, "files": p.file_names}
                         for p in report.problems],
            "leftovers": [{"location": x.location, "size": x.size, "age_seconds": round(x.age_seconds)}
                          for x in report.leftovers],
        }, ensure_ascii=False, indent=2))  # fmt: skip
    else:
        out.print(f"{report.checked} objects checked, {len(report.problems)} problems")
        for p in report.problems:
            out.print(
                f"  {p.kind}: {p.key} (items {', '.join(p.item_ids)}; {', '.join(p.file_names)})", highlight=False
            )
        if report.leftovers:
            out.print(f"{len(report.leftovers)} partial temporary objects of interrupted writes (swept by `serve`):")
        for x in report.leftovers:
            out.print(f"  leftover: {x.location} ({x.size} bytes, {round(x.age_seconds)} s old)", highlight=False)
    if not report.ok:
        raise typer.Exit(10)


# --- staff accounts ----------------------------------------------------------------------------


def _ask_password() -> str:
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[Role, typer.Option(help="admin, librarian or submitter")] = Role.LIBRARIAN,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[str | None, typer.Option(help="Password (asked when not given).")] = None,
) -> None:
    """Create a staff account."""
    created = users.add_user(wiring().uow(), email, password or _ask_password(), role, name=name)
    out.print(f"{created.email} ({created.role.value}) created")


@user_app.command("passwd")
def user_passwd(
    email: str, password: Annotated[str | None, typer.Option(help="New password (asked when not given).")] = None
) -> None:
    """Change a staff account's password (signing it out everywhere)."""
    users.set_password(wiring().uow(), email, password or _ask_password())
    out.print(f"password of {email} changed; its sessions were ended")


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable a staff account: its sessions end and its API tokens are deleted."""
    users.set_active(wiring().uow(), email, False)
    out.print(f"{email} disabled; its sessions and API tokens were revoked")


@user_app.command("enable")
def user_enable(email: str) -> None:
    """Enable a disabled staff account again (it needs new API tokens)."""
    users.set_active(wiring().uow(), email, True)
    out.print(f"{email} enabled")


@user_app.command("token")
def user_token(email: str, label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Create an API token for a staff account (shown once)."""
    w = wiring()
    account = next((u for u in users.list_users(w.uow()) if u.email == email.strip().lower()), None)
    if account is None:
        raise NotFound(f"no user {email}")
    out.out(users.create_api_token(w.uow(), account.id, label))


# --- ingest: extract, jobs, worker (issue 4) ----------------------------------------------------

jobs_app = typer.Typer(help="The ingest queue: list jobs, or `jobs retry` to re-queue failed ones.")
app.add_typer(jobs_app, name="jobs", invoke_without_command=True)
EXTRACT_TEXT_SHOWN = 2000  # characters of text printed without --json


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to read.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (see README).")] = False,
) -> None:
    """Detect and extract one file as an ingest job would (same limits), without touching the repository.

    A refused file prints its reason and exits with status 2.
    """
    from repository.ingest.sandbox import ExtractionFailed, Limits, run_limited

    settings = Settings()
    try:
        result = run_limited(
            str(file), file.name, Limits(settings.job_time_limit_seconds, settings.job_memory_limit_mb)
        )
    except (MawridError, ExtractionFailed) as exc:
        reason = exc.message if isinstance(exc, MawridError) else exc.reason
        if as_json:
            out.out(json.dumps({"error": reason}, ensure_ascii=False))
        else:
            err.print(f"[red]refused:[/red] {reason}", highlight=False)
        raise typer.Exit(2) from None
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
    from repository.ingest import jobs

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
    from repository.ingest import jobs

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

    from web.supervisor import Supervisor
    from web.workers import default_concurrency, start_workers

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


# --- search index (issue 5) --------------------------------------------------------------------


@app.command()
def reindex(
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over instead of resuming a broken-off rebuild.")
    ] = False,
) -> None:
    """Rebuild the search index from the database; an interrupted rebuild resumes where it stopped."""
    from indexer.sync import reindex as rebuild

    w = wiring()
    with progress_bar() as bar:
        task = bar.add_task("Indexing items", total=None)
        report = rebuild(
            w.engine,
            w.store,
            w.index,
            restart=restart,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    w.index.close()
    out.print(f"{report.indexed} items indexed, {report.removed} not public (left out)")


# --- serving -----------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="Ingest worker processes (default: one per core).")] = None,
) -> None:
    """Serve the site, the API and /oai, with ingest workers and index sync (migrating the schema first)."""
    import uvicorn

    from web.app import SERVER_OPTIONS, create_app
    from web.housekeeping import Housekeeping
    from web.supervisor import Supervisor
    from web.workers import start_workers

    w = wiring()
    out.print(f"Mawrid on http://{host}:{port}  (data: {w.settings.data_dir.resolve()})")
    pool = start_workers(w, workers)
    upkeep = Housekeeping(w).start()
    supervisor = Supervisor([("ingest workers", pool), ("housekeeping", upkeep)]).start()  # the app's sync: its own
    try:
        uvicorn.run(create_app(w), host=host, port=port, log_level="info", **SERVER_OPTIONS)
    finally:
        upkeep.stop()
        pool.stop()  # before the supervisor: processes it restarted die with its thread
        supervisor.stop()


# --- open courses: export formats (issue 8) ----------------------------------------------------


def export_course(ids: list[str], fmt: str, output: Path) -> None:
    """`mawrid export --format imscc|scorm|zip ID --output FILE`: one course, written whole or not at all."""
    from harvest.crosswalks.context import Context
    from harvest.exports.course_files import FORMATS, export_name, write_export
    from repository.courses.service import attributions, load_course

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format is bagit, {', '.join(FORMATS)}, not {fmt!r}")
    if len(ids) != 1:
        raise typer.BadParameter(f"give the one course to export as {fmt}")
    w = wiring()
    with reading(w.engine) as conn:
        course = load_course(conn, ids[0])
        credits = attributions(conn, course)
    target = output / export_name(course, fmt) if output.is_dir() else output
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    ctx = Context(w.settings.base_url.rstrip("/"), w.settings.repository_name, date.today())
    try:
        with partial.open("wb") as fh:
            write_export(course, fmt, w.store, ctx, credits, fh)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    out.print(f"course {course.item.id} written to {target} ({fmt})", highlight=False)
