"""Route tests run the whole app in-process with Starlette's TestClient on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from repository.domain import Role
from repository.services import users
from tests.server import served
from web.app import create_app
from web.wiring import Wiring

PASSWORD = "a long enough password"


@pytest.fixture
def client(wiring: Wiring) -> Iterator[TestClient]:
    with TestClient(create_app(wiring, sync_index=False), base_url="http://testserver") as c:
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit_login(client: TestClient, email: str, password: str) -> Response:
    """Post the sign-in form as a person would, in English; the response is not followed."""
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/workspace"},
        headers={"accept-language": "en"},
        follow_redirects=False,
    )


def sign_in(client: TestClient, wiring: Wiring, role: Role = Role.ADMIN, email: str = "staff@qou.edu") -> str:
    """Create a staff account, sign in through the form, and return a CSRF token for later forms."""
    users.add_user(wiring.uow(), email, PASSWORD, role, name="Staff Member")
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/workspace"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/workspace").text)


@pytest.fixture
def staff(client: TestClient, wiring: Wiring) -> str:
    return sign_in(client, wiring)


@pytest.fixture
def token(wiring: Wiring) -> str:
    user = users.add_user(wiring.uow(), "api@qou.edu", PASSWORD, Role.ADMIN)
    return users.create_api_token(wiring.uow(), user.id, "tests")


@pytest.fixture
def live_url(wiring: Wiring) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, for clients that speak real HTTP (tuspy)."""
    with served(create_app(wiring, sync_index=False)) as url:
        yield url
