"""LdapDirectory: sign-in against an LDAP server (OpenLDAP, Active Directory) with ldap3.

Two ways to find a person, as directories differ: a DN template
(`uid={username},ou=people,dc=qou,dc=edu`: bind straight as that DN), or a
search (bind as a service account, find the one entry matching the filter,
then bind as it to check the password). Group membership is read from each
configured group's `member`, `uniqueMember` or `memberUid` values, so it needs
no memberOf overlay on the server.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError, LDAPSocketReceiveError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from repository.directory.ports import DirectoryEntry, role_for_groups
from repository.domain import Role
from repository.errors import DirectoryUnavailable


class LdapDirectory:
    def __init__(
        self,
        url: str,
        *,
        user_dn_template: str | None = None,
        search_base: str | None = None,
        search_filter: str = "(|(uid={username})(mail={username}))",
        bind_dn: str | None = None,
        bind_password: str | None = None,
        mail_attribute: str = "mail",
        name_attribute: str = "displayName",
        role_groups: Iterable[tuple[Role, str]] = (),
        default_role: Role | None = None,
        timeout: float = 5.0,
    ) -> None:
        if not user_dn_template and not search_base:
            raise ValueError("an LDAP directory needs a user DN template or a search base")
        # ldap3 refuses "host:port/"; for ldaps:// it would accept any certificate unless told to check it.
        tls = Tls(validate=ssl.CERT_REQUIRED)
        self.server = Server(url.rstrip("/"), connect_timeout=timeout, get_info=NONE, tls=tls)
        self.user_dn_template, self.search_base, self.search_filter = user_dn_template, search_base, search_filter
        self.bind_dn, self.bind_password = bind_dn, bind_password
        self.mail_attribute, self.name_attribute = mail_attribute, name_attribute
        self.role_groups = [(role, group) for role, group in role_groups if group]
        self.default_role = default_role
        self.timeout = timeout

    def _connect(self, user: str | None = None, password: str | None = None) -> Connection:
        # ldap3 packs the receive timeout as a whole number of seconds
        timeout = max(1, round(self.timeout))
        return Connection(self.server, user=user, password=password, receive_timeout=timeout, read_only=True)

    def authenticate(self, login: str, password: str) -> DirectoryEntry | None:
        login = login.strip()
        if not login or not password:  # an empty password is an anonymous bind, which always "succeeds"
            return None
        try:
            return self._authenticate(login, password)
        except (LDAPSocketOpenError, LDAPSocketReceiveError) as exc:
            raise DirectoryUnavailable(f"the university directory cannot be reached: {exc}") from exc
        except LDAPException as exc:
            raise DirectoryUnavailable(f"the university directory answered with an error: {exc}") from exc

    def _authenticate(self, login: str, password: str) -> DirectoryEntry | None:
        attributes = [self.mail_attribute, self.name_attribute, "uid"]
        if self.user_dn_template:
            dn = self.user_dn_template.format(username=escape_rdn(login))
        else:
            assert self.search_base is not None
            with self._connect(self.bind_dn, self.bind_password) as finder:
                if self.bind_dn and not finder.bound:
                    raise DirectoryUnavailable("the directory refused the search account (MAWRID_LDAP_BIND_DN)")
                query = self.search_filter.format(username=escape_filter_chars(login))
                finder.search(self.search_base, query, SUBTREE, attributes=attributes, size_limit=2)
                if len(finder.entries) != 1:
                    return None
                dn = finder.entries[0].entry_dn
        person = self._connect(dn, password)
        if not person.bind():
            if person.result.get("description") == "invalidCredentials":
                return None
            raise DirectoryUnavailable(f"the directory refused the sign-in: {person.result.get('description')}")
        with person:
            person.search(dn, "(objectClass=*)", BASE, attributes=attributes)
            if not person.entries:
                return None
            entry = person.entries[0].entry_attributes_as_dict
            uid = _first(entry.get("uid")) or login
            member_of = [g for _, g in self.role_groups if self._is_member(person, g, dn, uid)]
        email = _first(entry.get(self.mail_attribute)) or (login if "@" in login else "")
        name = _first(entry.get(self.name_attribute)) or ""
        role = role_for_groups(member_of, self.role_groups, self.default_role)
        return DirectoryEntry(dn=dn, email=email.lower(), name=name, role=role)

    def _is_member(self, conn: Connection, group: str, dn: str, uid: str) -> bool:
        query = (
            f"(|(member={escape_filter_chars(dn)})(uniqueMember={escape_filter_chars(dn)})"
            f"(memberUid={escape_filter_chars(uid)}))"
        )
        conn.search(group, query, BASE, attributes=[])
        return bool(conn.entries)


def _first(values: Any) -> str | None:
    if not values:
        return None
    return str(values[0]) if isinstance(values, list) else str(values)
