"""Running the site: `mawrid serve` (site, API, /oai, workers, housekeeping) and `mawrid reindex`."""

from __future__ import annotations

from typing import Annotated

import typer

from web.cli.console import app, out, progress_bar, wiring


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
    from web.wiring import start_workers

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
