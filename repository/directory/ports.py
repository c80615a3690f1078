"""The university directory: who a sign-in name and password belong to, and in which groups.

Local accounts live in our own users table; a `Directory` lets staff and
faculty sign in with their university account instead. It only answers
questions: `services.users.authenticate` decides what an answer means
(creating the local record on first sign-in, mapping groups to a role).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from repository.domain import Role


@dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    email: str
    name: str
    role: Role | None  # from the person's groups (see `role_for_groups`); None: not allowed in


def role_for_groups(
    member_of: Iterable[str], role_groups: Iterable[tuple[Role, str]], default: Role | None = None
) -> Role | None:
    """The first role whose group the person is in (list the most powerful first), else `default`."""
    groups = {g.lower() for g in member_of}
    return next((role for role, group in role_groups if group.lower() in groups), default)


class Directory(Protocol):
    def authenticate(self, login: str, password: str) -> DirectoryEntry | None:
        """The person's entry if the password is theirs, None if the name or password is wrong.

        Raises DirectoryUnavailable when the directory cannot be asked.
        """
        ...
