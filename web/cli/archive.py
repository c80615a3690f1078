"""The archive: `mawrid import` (files with a sheet, or exported bags), `mawrid export`, `mawrid fixity`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from harvest.crosswalks.context import Context
from harvest.exports import service as exports
from harvest.exports.course_files import FORMATS
from repository.courses.service import attributions, load_course
from repository.db.uow import reading
from repository.domain import SYSTEM
from repository.errors import NotFound
from repository.services import batch
from repository.services.fixity import check_fixity
from web.cli.console import app, out, progress_bar, wiring, with_progress
from web.cli.queue import ingest_jobs
from web.wiring import Wiring


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
    if exports.restorable(source):
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
    target = collection or batch.default_collection(w.uow(), SYSTEM)
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


def _restore_bags(w: Wiring, source: Path) -> None:
    bags = exports.bags_in(source)
    restored = with_progress(
        "Restoring bags",
        len(bags),
        lambda advance: exports.restore_bags(w.uow, w.store, SYSTEM, source, bags, advance),
    )
    out.print(f"{restored} items restored, {len(bags) - restored} already there")


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
    wanted = [*(item or []), *(ids or [])]
    if not (wanted or collection or all_items):
        raise typer.BadParameter("give --item, --collection or --all")
    w = wiring()
    with reading(w.engine) as conn:
        found = exports.select_items(conn, wanted, collection, all_items)
    ctx = Context(w.settings.base_url.rstrip("/"), w.settings.repository_name, date.today())
    with_progress(
        "Exporting", len(found), lambda advance: exports.export_bags(w.engine, w.store, ctx, found, output, advance)
    )
    out.print(f"{len(found)} bags written to {output}")


def export_course(ids: list[str], fmt: str, output: Path) -> None:
    """`mawrid export --format imscc|scorm|zip ID --output FILE`: one course, written whole or not at all."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format is bagit, {', '.join(FORMATS)}, not {fmt!r}")
    if len(ids) != 1:
        raise typer.BadParameter(f"give the one course to export as {fmt}")
    w = wiring()
    with reading(w.engine) as conn:
        course = load_course(conn, ids[0])
        credits = attributions(conn, course)
    ctx = Context(w.settings.base_url.rstrip("/"), w.settings.repository_name, date.today())
    target = exports.save_course(course, fmt, w.store, ctx, credits, output)
    out.print(f"course {course.item.id} written to {target} ({fmt})", highlight=False)


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
