"""The `mawrid` command: parse arguments, call a service, print the outcome; a module per command group.

Errors from the MawridError family print their message and exit with the
class's exit code (2 stays Typer's usage error).
"""

from __future__ import annotations

import sys

from repository.errors import MawridError
from web.cli import archive, queue, serve, setup, users  # noqa: F401 - each registers its commands on `app`
from web.cli.console import app, err

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except MawridError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
