"""Setting up: `mawrid init` (schema, faculties, first administrator, demo content) and `mawrid config`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harvest.exports import bagit
from repository.db import records
from repository.db.uow import reading
from repository.domain import SYSTEM, Role
from repository.services import batch, users
from repository.settings import Settings
from web.cli.console import app, out, wiring, with_progress
from web.cli.queue import ingest_jobs

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


@app.command()
def init(
    demo: Annotated[bool, typer.Option(help="Load the demo content when the repository is empty.")] = False,
) -> None:
    """Create the data directory and database schema, the faculties, and a first administrator."""
    w = wiring()
    w.settings.secret()
    bagit.restore_structure(w.uow(), SYSTEM, DEMO_DIR / bagit.STRUCTURE)
    if not users.list_users(w.uow()):
        password = secrets.token_urlsafe(12)
        users.add_user(w.uow(), w.settings.admin_email, password, Role.ADMIN, name="Administrator")
        note = w.settings.data_dir / "admin-password.txt"
        note.write_text(f"{w.settings.admin_email}\n{password}\n")
        note.chmod(0o600)
        out.print(f"Administrator [bold]{w.settings.admin_email}[/bold] created; password in {note}")
    with reading(w.engine) as conn:
        empty = not records.count_items_by_collection(conn)
    if demo and empty:
        entries = batch.read_folder(DEMO_DIR / "items", confined=True)
        result = with_progress(
            "Loading demo content",
            len(entries),
            lambda advance: batch.import_entries(
                w.uow(), w.store, SYSTEM, entries, batch.DEFAULT_COLLECTION[0], progress=advance
            ),
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
