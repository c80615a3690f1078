"""Staff accounts: `mawrid user add|passwd|disable|enable|token`."""

from __future__ import annotations

from typing import Annotated

import typer

from repository.domain import Role
from repository.errors import NotFound
from repository.services import users
from web.cli.console import app, out, wiring

user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


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
