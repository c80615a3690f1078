"""What every `mawrid` command shares: the Typer app, the consoles, the wiring, progress bars."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from repository.settings import Settings
from web.wiring import Wiring, wire

app = typer.Typer(help="Mawrid — the digital content repository.", no_args_is_help=True, add_completion=False)
out = Console()
err = Console(stderr=True)

T = TypeVar("T")


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
