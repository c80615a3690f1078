"""Staff accounts (administrators, librarians, submitters), their sessions and API tokens. Readers are anonymous.

A session is a row keyed by the sha256 of a random secret that only the
browser's cookie holds, so it can be revoked: signing out ends one, and a
password change or disabling the account ends them all (disabling also
deletes the account's API tokens). A session ends by itself after an absolute
lifetime from sign-in and after an idle time without requests.

Administrators change other accounts through `set_role`, `disable_user`,
`enable_user`, `reset_password` and the collection grants of submitters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from repository.db import tables as t
from repository.db.uow import UnitOfWork, reading
from repository.directory.ports import Directory, DirectoryEntry
from repository.domain import Actor, Role, User, utcnow
from repository.errors import Conflict, Forbidden, InvalidInput, Message, NotFound, Unauthorized

HASHER = PasswordHasher()
# last_seen is written at most this often: a write per request would queue every page behind the writers' lock.
SESSION_TOUCH = timedelta(minutes=1)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD = 10


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")


def _user(row: Row[Any]) -> User:
    return User(id=row.id, email=row.email, name=row.name, role=Role(row.role), active=row.active)


def add_user(uow: UnitOfWork, email: str, password: str, role: Role, name: str = "") -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    _check_password(password)
    with uow:
        if uow.conn.execute(select(t.users.c.id).where(t.users.c.email == email)).first():
            raise Conflict(f"a user {email} already exists")
        user_id = uow.conn.execute(
            insert(t.users)
            .values(
                email=email,
                name=name,
                password_hash=HASHER.hash(password),
                role=role.value,
                active=True,
                created=utcnow(),
            )
            .returning(t.users.c.id)
        ).scalar_one()
    return User(id=user_id, email=email, name=name, role=role)


def _user_id(uow: UnitOfWork, email: str) -> int:
    found = uow.conn.execute(select(t.users.c.id).where(t.users.c.email == email.strip().lower())).scalar()
    if found is None:
        raise NotFound(f"no user {email}")
    return int(found)


def set_password(uow: UnitOfWork, email: str, password: str) -> None:
    """Change the password and sign the account out everywhere; raises NotFound, InvalidInput."""
    _check_password(password)
    with uow:
        user_id = _user_id(uow, email)
        uow.conn.execute(update(t.users).where(t.users.c.id == user_id).values(password_hash=HASHER.hash(password)))
        uow.conn.execute(delete(t.user_sessions).where(t.user_sessions.c.user_id == user_id))


def set_active(uow: UnitOfWork, email: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions and deletes its API tokens."""
    with uow:
        _set_active(uow.conn, _user_id(uow, email), active)


def _set_active(conn: Connection, user_id: int, active: bool) -> None:
    conn.execute(update(t.users).where(t.users.c.id == user_id).values(active=active))
    if not active:
        conn.execute(delete(t.user_sessions).where(t.user_sessions.c.user_id == user_id))
        conn.execute(delete(t.api_tokens).where(t.api_tokens.c.user_id == user_id))
        for hook in ON_DISABLE:
            hook(conn, user_id)


NO_LOCAL_PASSWORD = "!directory"  # noqa: S105 - not an argon2 hash, so no local password ever matches it


def authenticate(uow: UnitOfWork, email: str, password: str, directory: Directory | None = None) -> User:
    """The active user with these credentials; raises Unauthorized without saying which part was wrong.

    Local accounts are checked first, so they keep working when the directory
    is down. Then the university directory, if one is configured: its first
    sign-in creates the local record, with the role its groups give. Raises
    DirectoryUnavailable when only the directory could have said yes and it
    cannot be asked; Forbidden for a directory account in none of the mapped groups.
    """
    try:
        return _authenticate_locally(uow, email, password)
    except Unauthorized:
        if directory is None:
            raise
    entry = directory.authenticate(email, password)
    if entry is None:
        raise Unauthorized("wrong email or password")
    return _directory_user(uow, entry)


def _authenticate_locally(uow: UnitOfWork, email: str, password: str) -> User:
    with uow:
        row = uow.conn.execute(select(t.users).where(t.users.c.email == email.strip().lower())).first()
        if row is None or not row.active:
            HASHER.hash(password)  # spend the same time as a real check
            raise Unauthorized("wrong email or password")
        try:
            HASHER.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError) as exc:
            raise Unauthorized("wrong email or password") from exc
        if HASHER.check_needs_rehash(row.password_hash):
            uow.conn.execute(update(t.users).where(t.users.c.id == row.id).values(password_hash=HASHER.hash(password)))
        return _user(row)


def _directory_user(uow: UnitOfWork, entry: DirectoryEntry) -> User:
    """The local record of a directory account: found by email, else created with the groups' role.

    Later sign-ins keep the local role, which administrators manage here; the name follows the directory.
    """
    if not EMAIL.match(entry.email):
        raise Unauthorized("the directory account has no email address")
    with uow:
        row = uow.conn.execute(select(t.users).where(t.users.c.email == entry.email)).first()
        if row is not None:
            if not row.active:
                raise Unauthorized("wrong email or password")
            if entry.name and entry.name != row.name:
                uow.conn.execute(update(t.users).where(t.users.c.id == row.id).values(name=entry.name))
            return dataclasses.replace(_user(row), name=entry.name or row.name)
        if entry.role is None:
            raise Forbidden(Message("your university account is not in a group that may use the repository"))
        user_id = uow.conn.execute(
            insert(t.users)
            .values(
                email=entry.email,
                name=entry.name,
                password_hash=NO_LOCAL_PASSWORD,
                role=entry.role.value,
                active=True,
                created=utcnow(),
            )
            .returning(t.users.c.id)
        ).scalar_one()
    return User(id=user_id, email=entry.email, name=entry.name, role=entry.role)


def start_session(uow: UnitOfWork, user_id: int, now: datetime, lifetime: timedelta) -> str:
    """A new session for the user; the secret returned is the cookie's, only its hash is kept.

    Sessions past their lifetime are swept here, so abandoned ones do not pile up.
    """
    secret = secrets.token_urlsafe(32)
    with uow:
        uow.conn.execute(delete(t.user_sessions).where(t.user_sessions.c.created <= now - lifetime))
        uow.conn.execute(
            insert(t.user_sessions).values(id_hash=_token_hash(secret), user_id=user_id, created=now, last_seen=now)
        )
    return secret


def user_for_session(uow: UnitOfWork, secret: str, now: datetime, lifetime: timedelta, idle: timedelta) -> User:
    """The active user of a live session, noting the request; raises Unauthorized when it has ended."""
    id_hash = _token_hash(secret)
    with reading(uow.engine) as conn:
        row = conn.execute(
            select(t.users, t.user_sessions.c.created.label("signed_in"), t.user_sessions.c.last_seen)
            .join(t.user_sessions, t.user_sessions.c.user_id == t.users.c.id)
            .where(t.user_sessions.c.id_hash == id_hash)
        ).first()
    if row is None or not row.active:
        raise Unauthorized("the session has ended; sign in again")
    if now >= row.signed_in + lifetime or now >= row.last_seen + idle:
        end_session(uow, secret)
        raise Unauthorized("the session has expired; sign in again")
    if now >= row.last_seen + SESSION_TOUCH:
        with uow:
            uow.conn.execute(update(t.user_sessions).where(t.user_sessions.c.id_hash == id_hash).values(last_seen=now))
    return _user(row)


def end_session(uow: UnitOfWork, secret: str) -> None:
    with uow:
        uow.conn.execute(delete(t.user_sessions).where(t.user_sessions.c.id_hash == _token_hash(secret)))


def list_users(uow: UnitOfWork) -> list[User]:
    with reading(uow.engine) as conn:
        return [_user(r) for r in conn.execute(select(t.users).order_by(t.users.c.email))]


def create_api_token(uow: UnitOfWork, user_id: int, label: str = "") -> str:
    """A new bearer token; only its hash is kept, so it is shown once."""
    secret = "mwr_" + secrets.token_urlsafe(32)
    with uow:
        uow.conn.execute(
            insert(t.api_tokens).values(user_id=user_id, label=label, token_hash=_token_hash(secret), created=utcnow())
        )
    return secret


def user_for_token(uow: UnitOfWork, token: str) -> User:
    with uow:
        row = uow.conn.execute(
            select(t.users)
            .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
            .where(t.api_tokens.c.token_hash == _token_hash(token))
        ).first()
        if row is None or not row.active:
            raise Unauthorized("invalid API token")
        uow.conn.execute(
            update(t.api_tokens).where(t.api_tokens.c.token_hash == _token_hash(token)).values(last_used=utcnow())
        )
        return _user(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def revoke_api_token(uow: UnitOfWork, user_id: int, token_id: int) -> None:
    """Delete one of the user's own tokens; raises NotFound for anyone else's."""
    with uow:
        done = uow.conn.execute(
            delete(t.api_tokens).where(t.api_tokens.c.id == token_id, t.api_tokens.c.user_id == user_id)
        )
        if done.rowcount == 0:
            raise NotFound(f"no API token {token_id}")


# --- administration of accounts ----------------------------------------------------------------

# Hooks run inside the transaction that disables an account, given its connection and the user id,
# after its sessions and API tokens are gone: for anything else bound to the account.
ON_DISABLE: list[Callable[[Connection, int], None]] = []


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("only administrators may manage accounts")


def _load_for_update(uow: UnitOfWork, user_id: int) -> Row[Any]:
    row = uow.conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def _keep_an_administrator(uow: UnitOfWork, user_id: int) -> None:
    others = uow.conn.execute(
        select(func.count())
        .select_from(t.users)
        .where(t.users.c.role == Role.ADMIN.value, t.users.c.active.is_(True), t.users.c.id != user_id)
    ).scalar_one()
    if not others:
        raise Conflict(Message("this is the last active administrator; make another administrator first"))


def find_user(uow: UnitOfWork, user_id: int) -> User:
    """The account, active or not; raises NotFound."""
    with reading(uow.engine) as conn:
        row = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return _user(row)


def set_role(uow: UnitOfWork, actor: Actor, user_id: int, role: Role) -> User:
    """Give an account another role; raises Conflict rather than leave no active administrator."""
    _require_admin(actor)
    with uow:
        row = _load_for_update(uow, user_id)
        if row.role == Role.ADMIN.value and role is not Role.ADMIN and row.active:
            _keep_an_administrator(uow, user_id)
        uow.conn.execute(update(t.users).where(t.users.c.id == user_id).values(role=role.value))
        if role is not Role.SUBMITTER:
            uow.conn.execute(delete(t.collection_grants).where(t.collection_grants.c.user_id == user_id))
        return _user(_load_for_update(uow, user_id))


def disable_user(uow: UnitOfWork, actor: Actor, user_id: int) -> User:
    """Disable an account: its sessions end and its API tokens are deleted; it cannot sign in.

    The hooks in `ON_DISABLE` run in the same transaction. Raises NotFound, or
    Conflict for one's own account and for the last active administrator.
    """
    _require_admin(actor)
    if actor.user_id == user_id:
        raise Conflict(Message("you cannot disable your own account"))
    with uow:
        row = _load_for_update(uow, user_id)
        if row.role == Role.ADMIN.value and row.active:
            _keep_an_administrator(uow, user_id)
        _set_active(uow.conn, user_id, False)
        return _user(_load_for_update(uow, user_id))


def enable_user(uow: UnitOfWork, actor: Actor, user_id: int) -> User:
    _require_admin(actor)
    with uow:
        _load_for_update(uow, user_id)
        _set_active(uow.conn, user_id, True)
        return _user(_load_for_update(uow, user_id))


def reset_password(uow: UnitOfWork, actor: Actor, user_id: int) -> str:
    """Give the account a new random temporary password and return it: only its hash is kept,
    so the administrator sees it once, to hand over. The old password and every session end."""
    _require_admin(actor)
    temporary = "-".join(secrets.token_urlsafe(4) for _ in range(4))
    with uow:
        _load_for_update(uow, user_id)
        uow.conn.execute(update(t.users).where(t.users.c.id == user_id).values(password_hash=HASHER.hash(temporary)))
        uow.conn.execute(delete(t.user_sessions).where(t.user_sessions.c.user_id == user_id))
    return temporary


def set_grants(uow: UnitOfWork, actor: Actor, user_id: int, collection_ids: list[str]) -> list[str]:
    """The collections a submitter may deposit into, replaced as a whole; raises NotFound, InvalidInput."""
    _require_admin(actor)
    wanted = sorted(set(collection_ids))
    with uow:
        row = _load_for_update(uow, user_id)
        if wanted and row.role != Role.SUBMITTER.value:
            raise InvalidInput(Message("only submitters are granted collections; librarians may deposit anywhere"))
        known = set(uow.conn.execute(select(t.collections.c.id).where(t.collections.c.id.in_(wanted))).scalars())
        if unknown := [c for c in wanted if c not in known]:
            raise NotFound(f"no collection {unknown[0]!r}")
        uow.conn.execute(delete(t.collection_grants).where(t.collection_grants.c.user_id == user_id))
        for collection_id in wanted:
            uow.conn.execute(insert(t.collection_grants).values(user_id=user_id, collection_id=collection_id))
    return wanted


def granted_collections(uow: UnitOfWork, user_id: int) -> list[str]:
    with reading(uow.engine) as conn:
        query = select(t.collection_grants.c.collection_id).where(t.collection_grants.c.user_id == user_id)
        return sorted(conn.execute(query).scalars())
