"""Who is asking: staff signed in with a session cookie, or an API client with a Bearer token.

Sessions live in a signed, HttpOnly, SameSite=Lax cookie (Starlette's
SessionMiddleware over itsdangerous, keyed by `settings.secret()`); they hold
the user id and the CSRF token, nothing else. Every state-changing form
carries that token, and script calls made with the session cookie send it
as `X-CSRF-Token`; Bearer-token calls need none (a browser never adds them
on its own). Failed sign-ins are throttled per address and per account.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request

from repository.domain import ANONYMOUS, Actor, Role, User
from repository.errors import Forbidden, MawridError, NotFound, Unauthorized
from repository.services import users
from web.wiring import Wiring

SESSION_COOKIE = "mawrid_session"
SESSION_SECONDS = 12 * 3600


class TooManyAttempts(MawridError):
    http_status, exit_code, slug = 429, 7, "too-many-attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


def wiring_of(request: Request) -> Wiring:
    return request.app.state.wiring  # type: ignore[no-any-return]


def current_user(request: Request) -> User | None:
    """The signed-in or token-bearing staff user, looked up once per request."""
    if "user" in request.state._state:
        return request.state.user  # type: ignore[no-any-return]
    user: User | None = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = users.user_for_token(wiring_of(request).uow(), auth[7:].strip())  # raises Unauthorized
        request.state.via_token = True
    elif "session" in request.scope and "user_id" in request.session:
        try:
            user = users.get_user(wiring_of(request).uow(), int(request.session["user_id"]))
        except NotFound:  # deleted or deactivated since signing in
            request.session.clear()
    request.state.user = user
    return user


def current_actor(request: Request) -> Actor:
    user = current_user(request)
    return user.as_actor() if user else ANONYMOUS


def require_staff(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise Unauthorized("sign in to use the workspace")
    return user


def require_admin(request: Request) -> User:
    user = require_staff(request)
    if user.role is not Role.ADMIN:
        raise Forbidden("only administrators may manage users, communities and collections")
    return user


def sign_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session on sign-in defeats session fixation
    request.session["user_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS") or getattr(request.state, "via_token", False):
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.url.path.startswith("/api") and "user_id" not in request.session:
        return  # no session to ride on: the API answers 401 to an anonymous change
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf_token", ""))
    expected = request.session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("the form has expired or did not come from this site; reload the page and try again")


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault("flash", []).append([kind, message])
    request.session["flash"] = request.session["flash"]  # mark the session changed


def take_flashes(request: Request) -> list[list[str]]:
    return list(request.session.pop("flash", []) or [])


class LoginThrottle:
    """At most `limit` failed sign-ins per `window` seconds for one address or one account.

    Kept in memory: each server process throttles on its own, which bounds an
    attacker to `limit × processes` guesses per window.
    """

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                times = self._failures[key]
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= self.limit:
                    wait = int(times[0] + self.window - now) + 1
                    raise TooManyAttempts("too many failed sign-ins; wait before trying again", wait)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures[key].append(time.monotonic())

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
