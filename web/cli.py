"""The `mawrid` command: parse arguments, call a service, print the outcome.

Errors from the MawridError family print their message and exit with the
class's exit code (2 stays Typer's usage error).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select

from repository.db import records
from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import SYSTEM, Role
from repository.errors import MawridError, NotFound
from repository.services import batch, export, users
from repository.services.collections import create_collection, create_community
from repository.services.fixity import check_fixity
from repository.settings import Settings
from web.wiring import Wiring, wire

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
    export.restore_structure(w.uow(), SYSTEM, DEMO_DIR / "structure.json")
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
        entries = batch.read_folder(DEMO_DIR / "items")
        result = with_progress(
            "Loading demo content",
            len(entries),
            lambda advance: batch.import_entries(w.uow(), w.store, SYSTEM, entries, IMPORTED[1], progress=advance),
        )
        out.print(f"Loaded {len(result.created)} demo items; their files are queued for ingest.")
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
    source: Annotated[Path, typer.Argument(help="A folder, a CSV sheet, or a folder of exported bags.")],
    collection: Annotated[str | None, typer.Option(help="Collection for the new items (default: Imported).")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Leave the items as drafts instead of publishing.")] = False,
    template: Annotated[bool, typer.Option("--template", help="Print a sheet template and exit.")] = False,
) -> None:
    """Batch-load files with their metadata into the archive (see README: the import sheet)."""
    if template:
        out.out(batch.sheet_template(), end="")
        return
    w = wiring()
    if source.is_dir() and (source / "structure.json").is_file():
        _restore_bags(w, source)
        return
    if not source.exists():
        raise NotFound(f"{source} does not exist")
    entries = batch.read_sheet(source) if source.is_file() else batch.read_folder(source)
    target = collection or _ensure_imported_collection(w)
    result = with_progress(
        "Importing",
        len(entries),
        lambda advance: batch.import_entries(
            w.uow(), w.store, SYSTEM, entries, target, publish=not draft,
            max_bytes=w.settings.max_upload_bytes, progress=advance,
        ),
    )  # fmt: skip
    out.print(
        f"{len(result.created)} items created, {len(result.skipped)} already there, {len(result.jobs)} files queued"
    )
    for label, why in result.skipped:
        out.print(f"  skipped {label}: {why}", highlight=False)


def _restore_bags(w: Wiring, source: Path) -> None:
    export.restore_structure(w.uow(), SYSTEM, source / "structure.json")
    bags = [p for p in sorted(source.iterdir()) if export.is_bag(p)]
    restored = with_progress(
        "Restoring bags",
        len(bags),
        lambda advance: [(export.restore_bag(w.uow(), w.store, SYSTEM, bag), advance())[0] for bag in bags],
    )
    done = [item for item in restored if item is not None]
    out.print(f"{len(done)} items restored, {len(bags) - len(done)} already there")


@app.command("export")
def export_(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the bags into.")],
    item: Annotated[list[str] | None, typer.Option(help="An item id (repeatable).")] = None,
    collection: Annotated[str | None, typer.Option(help="Every item of a collection.")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Every item: a full, restorable copy.")] = False,
) -> None:
    """Export items as BagIt bags (files, metadata.json, Dublin Core XML)."""
    from harvest.crosswalks.oai_dc import dublin_core_document

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
    export.export_structure(w.engine, output)

    def run(advance: Callable[..., None]) -> None:
        for it in found:
            export.export_item(
                it, w.store, output, lambda i: dublin_core_document(i, w.settings), w.settings.repository_name
            )
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
        report = check_fixity(w.engine, w.store, lambda n, total: bar.update(task, completed=n, total=total))
    if as_json:
        out.out(json.dumps({
            "checked": report.checked, "ok": report.ok,
            "problems": [{"kind": p.kind, "key": p.key, "expected_sha256": p.expected_sha256,
                          "actual_sha256": p.actual_sha256, "items": p.item_ids, "files": p.file_names}
                         for p in report.problems],
        }, ensure_ascii=False, indent=2))  # fmt: skip
    else:
        out.print(f"{report.checked} objects checked, {len(report.problems)} problems")
        for p in report.problems:
            out.print(
                f"  {p.kind}: {p.key} (items {', '.join(p.item_ids)}; {', '.join(p.file_names)})", highlight=False
            )
    if not report.ok:
        raise typer.Exit(10)


# --- staff accounts ----------------------------------------------------------------------------


def _ask_password() -> str:
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[Role, typer.Option(help="admin or librarian")] = Role.LIBRARIAN,
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
    """Change a staff account's password."""
    users.set_password(wiring().uow(), email, password or _ask_password())
    out.print(f"password of {email} changed")


@user_app.command("token")
def user_token(email: str, label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Create an API token for a staff account (shown once)."""
    w = wiring()
    account = next((u for u in users.list_users(w.uow()) if u.email == email.strip().lower()), None)
    if account is None:
        raise NotFound(f"no user {email}")
    out.out(users.create_api_token(w.uow(), account.id, label))


# --- serving -----------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the site, the API and /oai (migrating the schema first)."""
    import uvicorn

    from web.app import create_app

    w = wiring()
    out.print(f"Mawrid on http://{host}:{port}  (data: {w.settings.data_dir.resolve()})")
    uvicorn.run(create_app(w), host=host, port=port, log_level="info", proxy_headers=True)
