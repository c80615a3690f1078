"""Sign-in through the university directory: a real OpenLDAP slapd, started for this module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from repository.directory.ldap import LdapDirectory
from repository.domain import Role
from repository.errors import DirectoryUnavailable
from repository.services import users
from tests.ldapserver import SUFFIX, missing_tools, slapd
from tests.server import free_port
from tests.web.conftest import PASSWORD, submit_login
from web.app import create_app
from web.wiring import Wiring

PEOPLE = f"ou=people,{SUFFIX}"
LIBRARIANS = f"cn=librarians,ou=groups,{SUFFIX}"
FACULTY = f"cn=faculty,ou=groups,{SUFFIX}"
READER = f"cn=reader,{SUFFIX}"
EN = {"accept-language": "en"}


def person(uid: str, name: str, password: str) -> str:
    return f"""dn: uid={uid},{PEOPLE}
objectClass: inetOrgPerson
uid: {uid}
cn: {name}
sn: {name.split()[-1]}
displayName: {name}
mail: {uid}@qou.edu
userPassword: {password}
"""


SEED = "\n".join(
    [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: qou\no: Al-Quds Open University\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: {READER}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\n"
        "userPassword: reader-secret\n",
        person("rana", "Rana Haddad", "rana-directory-pw"),
        person("sami", "Sami Odeh", "sami-directory-pw"),
        person("hani", "Hani Khalil", "hani-directory-pw"),
        f"dn: {LIBRARIANS}\nobjectClass: groupOfNames\ncn: librarians\nmember: uid=rana,{PEOPLE}\n",
        f"dn: {FACULTY}\nobjectClass: groupOfNames\ncn: faculty\nmember: uid=sami,{PEOPLE}\n",
    ]
)


@pytest.fixture(scope="module")
def directory_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = missing_tools()
    if reason:
        pytest.skip(f"no LDAP directory for these tests: {reason}")
    with slapd(tmp_path_factory.mktemp("slapd"), SEED) as url:
        yield url


def _client(wiring: Wiring, **ldap: object) -> TestClient:
    settings = wiring.settings.model_copy(update=ldap)
    return TestClient(create_app(Wiring(settings=settings, engine=wiring.engine, store=wiring.store), sync_index=False))


def _search_settings(url: str) -> dict[str, object]:
    from pydantic import SecretStr

    return {
        "ldap_url": url,
        "ldap_search_base": PEOPLE,
        "ldap_bind_dn": READER,
        "ldap_bind_password": SecretStr("reader-secret"),
        "ldap_librarian_group": LIBRARIANS,
        "ldap_submitter_group": FACULTY,
    }


def test_first_directory_sign_in_creates_the_local_user_with_the_role_of_its_group(
    wiring: Wiring, directory_url: str
) -> None:
    with _client(wiring, **_search_settings(directory_url)) as client:
        assert submit_login(client, "rana@qou.edu", "rana-directory-pw").headers["location"] == "/workspace"
        assert client.get("/workspace").status_code == 200
    with _client(wiring, **_search_settings(directory_url)) as client:
        assert submit_login(client, "RANA@qou.edu", "rana-directory-pw").status_code == 303  # again: the same record
        assert submit_login(client, "sami@qou.edu", "sami-directory-pw").headers["location"] == "/deposits"
    accounts = {u.email: u for u in users.list_users(wiring.uow())}
    assert sorted(accounts) == ["rana@qou.edu", "sami@qou.edu"]
    assert (accounts["rana@qou.edu"].role, accounts["rana@qou.edu"].name) == (Role.LIBRARIAN, "Rana Haddad")
    assert accounts["sami@qou.edu"].role is Role.SUBMITTER
    # The directory keeps the password: the local record has none that could match.
    with pytest.raises(Exception, match="wrong email or password"):
        users.authenticate(wiring.uow(), "rana@qou.edu", "rana-directory-pw")


def test_a_wrong_directory_password_fails_with_the_local_accounts_message(wiring: Wiring, directory_url: str) -> None:
    users.add_user(wiring.uow(), "local@qou.edu", PASSWORD, Role.LIBRARIAN)
    with _client(wiring, **_search_settings(directory_url)) as client:
        local = submit_login(client, "local@qou.edu", "not the password")
        for email, password in [
            ("rana@qou.edu", "wrong-password"),
            ("nobody@qou.edu", "rana-directory-pw"),
            ("*", "rana-directory-pw"),  # a filter wildcard is escaped, not a search for anyone
            ("rana@qou.edu", " "),
        ]:
            refused = submit_login(client, email, password)
            assert refused.status_code == local.status_code == 401
            assert "Wrong email or password." in refused.text and "Wrong email or password." in local.text
    assert [u.email for u in users.list_users(wiring.uow())] == ["local@qou.edu"]


def test_a_directory_account_in_no_mapped_group_is_refused_and_no_record_made(
    wiring: Wiring, directory_url: str
) -> None:
    with _client(wiring, **_search_settings(directory_url)) as client:
        refused = submit_login(client, "hani@qou.edu", "hani-directory-pw")
    assert refused.status_code == 403 and "not in a group" in refused.text
    assert users.list_users(wiring.uow()) == []


def test_a_disabled_directory_user_stays_out(wiring: Wiring, directory_url: str) -> None:
    with _client(wiring, **_search_settings(directory_url)) as client:
        submit_login(client, "rana@qou.edu", "rana-directory-pw")
    admin = users.add_user(wiring.uow(), "admin@qou.edu", PASSWORD, Role.ADMIN)
    rana = next(u for u in users.list_users(wiring.uow()) if u.email == "rana@qou.edu")
    users.disable_user(wiring.uow(), admin.as_actor(), rana.id)
    with _client(wiring, **_search_settings(directory_url)) as client:
        refused = submit_login(client, "rana@qou.edu", "rana-directory-pw")
    assert refused.status_code == 401 and "Wrong email or password." in refused.text


def test_a_dn_template_binds_straight_as_the_person(directory_url: str) -> None:
    directory = LdapDirectory(
        directory_url,
        user_dn_template=f"uid={{username}},{PEOPLE}",
        role_groups=[(Role.LIBRARIAN, LIBRARIANS), (Role.SUBMITTER, FACULTY)],
    )
    entry = directory.authenticate("sami", "sami-directory-pw")
    assert entry is not None and (entry.email, entry.name, entry.role) == ("sami@qou.edu", "Sami Odeh", Role.SUBMITTER)
    assert directory.authenticate("sami", "wrong") is None
    assert directory.authenticate("sami,ou=people", "sami-directory-pw") is None  # escaped into one odd RDN
    hani = directory.authenticate("hani", "hani-directory-pw")
    assert hani is not None and hani.role is None


def test_an_unreachable_directory_says_so_and_local_accounts_still_sign_in(wiring: Wiring, tmp_path: Path) -> None:
    users.add_user(wiring.uow(), "local@qou.edu", PASSWORD, Role.ADMIN)
    closed = f"ldap://127.0.0.1:{free_port()}/"
    with _client(wiring, **_search_settings(closed), ldap_timeout_seconds=2.0) as client:
        down = submit_login(client, "rana@qou.edu", "rana-directory-pw")
        assert down.status_code == 503
        assert "The university directory cannot be reached right now" in down.text
        assert submit_login(client, "local@qou.edu", PASSWORD).status_code == 303
    with pytest.raises(DirectoryUnavailable):
        LdapDirectory(closed, search_base=PEOPLE, timeout=2.0).authenticate("rana", "x")
