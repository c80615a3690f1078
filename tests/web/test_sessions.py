"""Signed-in sessions end when they should, and sign-in throttling cannot be reset or steered by a client."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from repository.db import tables as t
from repository.db.uow import reading
from repository.domain import Role
from repository.services import users
from tests.server import served
from tests.web.conftest import PASSWORD, csrf_of, sign_in
from web.app import SERVER_OPTIONS, create_app
from web.auth import SESSION_COOKIE, LoginThrottle
from web.wiring import Wiring

EMAIL = "staff@qou.edu"


def signed_in(client: TestClient) -> bool:
    return client.get("/workspace", follow_redirects=False).status_code == 200


@pytest.fixture
def replay(client: TestClient) -> Iterator[TestClient]:
    """A second browser on the same app, for a copy of someone's cookie."""
    with TestClient(client.app, base_url="http://testserver") as other:
        yield other


def copy_cookie(source: TestClient, target: TestClient) -> str:
    value = source.cookies[SESSION_COOKIE]
    target.cookies.set(SESSION_COOKIE, value)
    return value


def age_sessions(wiring: Wiring, *, created: timedelta = timedelta(), last_seen: timedelta = timedelta()) -> None:
    """Move every session's sign-in and last request into the past, as the wall clock would."""
    sessions = t.user_sessions
    with wiring.uow() as uow:
        for row in uow.conn.execute(select(sessions)).all():
            uow.conn.execute(
                update(sessions)
                .where(sessions.c.id_hash == row.id_hash)
                .values(created=row.created - created, last_seen=row.last_seen - last_seen)
            )


def test_a_copied_cookie_stops_working_after_sign_out(client: TestClient, replay: TestClient, wiring: Wiring) -> None:
    csrf = sign_in(client, wiring)
    copy_cookie(client, replay)
    assert signed_in(replay)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert not signed_in(client)
    assert not signed_in(replay)


def test_the_session_secret_is_kept_only_as_a_hash(client: TestClient, wiring: Wiring) -> None:
    sign_in(client, wiring)
    payload = client.cookies[SESSION_COOKIE].split(".")[0]
    secret = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    with reading(wiring.engine) as conn:
        stored = set(conn.execute(select(t.user_sessions.c.id_hash)).scalars())
    assert stored == {hashlib.sha256(secret.encode()).hexdigest()}


def test_a_password_change_ends_every_session_of_the_account(
    client: TestClient, replay: TestClient, wiring: Wiring
) -> None:
    sign_in(client, wiring)
    copy_cookie(client, replay)
    users.set_password(wiring.uow(), EMAIL, "a brand new password")
    assert not signed_in(client) and not signed_in(replay)
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": ""}).status_code == 403


def test_disabling_an_account_revokes_its_sessions_and_api_tokens(
    client: TestClient, replay: TestClient, wiring: Wiring
) -> None:
    admin_csrf = sign_in(client, wiring)  # an administrator
    sign_in(replay, wiring, Role.LIBRARIAN, email="amal@qou.edu")
    amal = next(u for u in users.list_users(wiring.uow()) if u.email == "amal@qou.edu")
    bearer = {"authorization": f"Bearer {users.create_api_token(wiring.uow(), amal.id, 'robot')}"}
    assert signed_in(replay) and client.get("/api/jobs", headers=bearer).status_code == 200
    done = client.post(f"/admin/users/{amal.id}/disable", data={"csrf_token": admin_csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert not signed_in(replay)
    with TestClient(client.app, base_url="http://testserver") as robot:
        assert robot.get("/api/jobs", headers=bearer).status_code == 401
        client.post(f"/admin/users/{amal.id}/enable", data={"csrf_token": admin_csrf})
        assert robot.get("/api/jobs", headers=bearer).status_code == 401  # enabling brings no old token back
    assert attempt(replay, "amal@qou.edu", PASSWORD).status_code == 303  # but the password works again
    me = next(u for u in users.list_users(wiring.uow()) if u.email == EMAIL)
    assert client.post(f"/admin/users/{me.id}/disable", data={"csrf_token": admin_csrf}).status_code == 409
    assert signed_in(client)


def test_a_session_ends_after_the_idle_timeout(client: TestClient, wiring: Wiring) -> None:
    sign_in(client, wiring)
    idle = timedelta(minutes=wiring.settings.session_idle_minutes)
    age_sessions(wiring, created=idle - timedelta(minutes=1), last_seen=idle - timedelta(minutes=1))
    assert signed_in(client)  # still within the idle time: the request counts as activity
    age_sessions(wiring, last_seen=idle)
    assert not signed_in(client)


def test_a_busy_session_still_ends_at_its_absolute_lifetime(client: TestClient, wiring: Wiring) -> None:
    sign_in(client, wiring)
    lifetime = timedelta(hours=wiring.settings.session_lifetime_hours)
    age_sessions(wiring, created=lifetime - timedelta(minutes=1))
    assert signed_in(client)
    age_sessions(wiring, created=timedelta(minutes=1))  # used a moment ago, but signed in 12 hours ago
    assert not signed_in(client)


# --- throttling ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def attempt(client: TestClient, email: str, password: str, headers: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def test_signing_in_to_ones_own_account_does_not_reset_the_address_count(client: TestClient, wiring: Wiring) -> None:
    client.app.state.login_throttle = LoginThrottle(address_limit=6, clock=Clock())  # type: ignore[attr-defined]
    users.add_user(wiring.uow(), "mallory@qou.edu", PASSWORD, Role.LIBRARIAN)
    for n in range(6):
        victim = f"victim{n}@qou.edu"  # one guess at each of many accounts, with a success between
        assert attempt(client, victim, "guess number one").status_code == 401
        if n < 5:
            assert attempt(client, "mallory@qou.edu", PASSWORD).status_code == 303
    blocked = attempt(client, "victim9@qou.edu", "guess number one")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_account_failures_slow_sign_in_exponentially_but_never_lock_out_for_good(
    client: TestClient, wiring: Wiring
) -> None:
    clock = Clock()
    client.app.state.login_throttle = LoginThrottle(  # type: ignore[attr-defined]
        address_limit=1000, account_free=3, base_delay=2, max_delay=60, clock=clock
    )
    users.add_user(wiring.uow(), "amal@qou.edu", PASSWORD, Role.LIBRARIAN)
    waits = []
    for _ in range(10):
        response = attempt(client, "amal@qou.edu", "not the password!")
        while response.status_code == 429:  # refused attempts are not counted: wait, then guess again
            waits.append(int(response.headers["retry-after"]))
            clock.now += waits[-1]
            response = attempt(client, "amal@qou.edu", "not the password!")
        assert response.status_code == 401
    assert waits == [2, 4, 8, 16, 32, 60, 60]  # doubling from the fourth failure, capped
    refused = attempt(client, "amal@qou.edu", PASSWORD)  # even the right password waits its turn
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    clock.now += 60
    assert attempt(client, "amal@qou.edu", PASSWORD).status_code == 303
    assert attempt(client, "amal@qou.edu", "not the password!").status_code == 401  # a success starts afresh
    assert attempt(client, "amal@qou.edu", PASSWORD).status_code == 303


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(wiring: Wiring) -> None:
    """Served by uvicorn as `mawrid serve` runs it, over real HTTP from 127.0.0.1."""

    def guesses(app_wiring: Wiring) -> list[int]:
        app = create_app(app_wiring, sync_index=False)
        app.state.login_throttle = LoginThrottle(address_limit=3, account_free=100)
        codes = []
        with served(app, **SERVER_OPTIONS) as url, httpx.Client(base_url=url) as http:
            for n in range(5):
                token = csrf_of(http.get("/login").text)
                forged = {"x-forwarded-for": f"203.0.113.{n}"}  # a fresh address claimed for every guess
                data = {"email": f"user{n}@qou.edu", "password": "guess number one", "csrf_token": token}
                codes.append(http.post("/login", data=data, headers=forged).status_code)
        return codes

    assert guesses(wiring) == [401, 401, 401, 429, 429]
    behind_proxy = wiring.settings.model_copy(update={"trusted_proxies": "127.0.0.1, 10.0.0.0/8"})
    trusted = Wiring(settings=behind_proxy, engine=wiring.engine, store=wiring.store)
    assert guesses(trusted) == [401] * 5  # each forwarded address is a different client
