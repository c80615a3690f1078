"""Who is asking: staff signed in with a session cookie, or an API client with a Bearer token.

Sessions live in a signed, HttpOnly, SameSite=Lax cookie (Starlette's
SessionMiddleware over itsdangerous, keyed by `settings.secret()`); it holds
the secret of a server-side session record (`users.start_session`) and the
CSRF token, nothing else, so a copied cookie stops working once the session is
revoked (sign-out, password change, disabled account) or expires (absolute
lifetime, idle timeout). Every state-changing form
carries that token, and script calls made with the session cookie send it
as `X-CSRF-Token`; Bearer-token calls need none (a browser never adds them
on its own). Failed sign-ins are throttled per address and per account.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from repository.domain import ANONYMOUS, Actor, Role, User, utcnow
from repository.errors import Forbidden, TooManyAttempts, Unauthorized
from repository.services import users
from web.wiring import Wiring

SESSION_COOKIE = "mawrid_session"
SESSION_KEY = "sid"  # the cookie's entry holding the session secret
LOGIN_PATH = "/login"


def wiring_of(request: Request) -> Wiring:
    return request.app.state.wiring  # type: ignore[no-any-return]


def current_user(request: Request) -> User | None:
    """The signed-in or token-bearing staff user, looked up once per request.

    An invalid or revoked Bearer token is Unauthorized (401) on the API. A page treats it as
    signed out: a browser never adds the header on its own, and refusing it there would send
    the reader to a sign-in page that refuses it too.
    """
    if "user" in request.state._state:
        return request.state.user  # type: ignore[no-any-return]
    user: User | None = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            user = users.user_for_token(wiring_of(request).uow(), auth[7:].strip())
            request.state.via_token = True
        except Unauthorized:
            if request.url.path.startswith("/api"):
                raise
    elif "session" in request.scope and SESSION_KEY in request.session:
        settings = wiring_of(request).settings
        try:
            user = users.user_for_session(
                wiring_of(request).uow(),
                str(request.session[SESSION_KEY]),
                utcnow(),
                lifetime=timedelta(hours=settings.session_lifetime_hours),
                idle=timedelta(minutes=settings.session_idle_minutes),
            )
        except Unauthorized:  # signed out elsewhere, revoked, expired, or the account disabled
            request.session.clear()
    request.state.user = user
    return user


def current_actor(request: Request) -> Actor:
    user = current_user(request)
    return user.as_actor() if user else ANONYMOUS


def require_signed_in(request: Request) -> User:
    """Any active account, submitters included."""
    user = current_user(request)
    if user is None:
        raise Unauthorized("sign in to use the workspace")
    return user


def require_staff(request: Request) -> User:
    """Librarians and administrators; submitters have their own deposit pages."""
    user = require_signed_in(request)
    if user.role is Role.SUBMITTER:
        raise Forbidden("submitters deposit through their own page, /deposits; the workspace is for librarians")
    return user


def require_admin(request: Request) -> User:
    user = require_staff(request)
    if user.role is not Role.ADMIN:
        raise Forbidden("only administrators may manage users, communities and collections")
    return user


def landing(user: User, target: str) -> str:
    """Where a fresh sign-in goes: submitters to their deposits, whatever workspace page was asked for."""
    if user.role is Role.SUBMITTER and target.startswith("/workspace"):
        return "/deposits"
    return target


def sign_in(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session on sign-in defeats session fixation
    lifetime = timedelta(hours=wiring_of(request).settings.session_lifetime_hours)
    request.session[SESSION_KEY] = users.start_session(wiring_of(request).uow(), user.id, utcnow(), lifetime)
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out(request: Request) -> None:
    """End the session on the server too: a copy of the cookie must not outlive the sign-out."""
    if SESSION_KEY in request.session:
        users.end_session(wiring_of(request).uow(), str(request.session[SESSION_KEY]))
    request.session.clear()


def local_target(target: str | None, default: str = "/workspace") -> str:
    """`target` if it is a path on this site other than the sign-in page, else `default`.

    Only local paths: an open redirect would lend our domain to phishing links. Browsers drop
    tabs and newlines from URLs and read a backslash as a slash, so a path holding any of them
    is refused like "//evil". The sign-in page is never a target, so `next` never nests.
    """
    if not target or not target.startswith("/") or any(ch in target for ch in "\\\t\r\n") or target[1:2] == "/":
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.rstrip("/") == LOGIN_PATH or not target.isprintable():
        return default
    return target


class LazyCsrfToken:
    """The session's CSRF token, made only when a template writes it into a form.

    An anonymous page without a form then leaves the session empty, so it sets no cookie
    and a shared cache may keep it.
    """

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request) if "session" in self.request.scope else ""

    def __html__(self) -> str:
        return str(self)  # URL-safe base64: nothing to escape


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    await run_in_threadpool(current_user, request)  # a valid Bearer token needs no CSRF token; an invalid one: 401
    if getattr(request.state, "via_token", False):
        return
    if request.url.path.startswith("/api") and SESSION_KEY not in request.session:
        return  # no session to ride on: the API answers 401 to an anonymous change
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf_token", ""))
    expected = request.session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("the form has expired or did not come from this site; reload the page and try again")


def flash(request: Request, message: str, kind: str = "info", link: tuple[str, str] | None = None) -> None:
    """A message for the next page; `message` is translated there, `link` (href, text) is shown as given."""
    request.session.setdefault("flash", []).append([kind, message, *(link or ())])
    request.session["flash"] = request.session["flash"]  # mark the session changed


def take_flashes(request: Request) -> list[list[str]]:
    return list(request.session.pop("flash", []) or [])


def client_address(request: Request) -> str:
    """The address a request came from: the peer, or, when the peer is a trusted proxy
    (MAWRID_TRUSTED_PROXIES), the nearest X-Forwarded-For entry that is not one. Without trusted
    proxies the header is ignored: any client can write it, and would pick its own throttle key.
    """
    peer = request.client.host if request.client else "-"
    trusted = wiring_of(request).settings.trusted_proxy_networks
    if not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):  # each proxy appends the address it saw: read from our side outwards
        if not _within(hop, trusted):
            return hop
    return peer


def _within(address: str, networks: list[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class LoginThrottle:
    """Failed sign-ins, counted separately per client address and per account.

    An address may fail `address_limit` times per `window` seconds, whichever accounts it tries,
    which bounds guessing across many accounts; signing in successfully does not reset it, or an
    attacker could clear it with an account of their own. An account may fail `account_free`
    times; after that each attempt must wait `base_delay × 2^(failures beyond the free ones)`
    seconds after the last failure, capped at `max_delay`: guessing slows to a crawl, while the
    right password still gets in once the wait is over, so an attacker cannot lock the owner out
    for good. A success forgets only that account's failures, as does `window` without any.

    Kept in memory: each server process throttles on its own, which bounds an attacker to
    `limit × processes` guesses per window. The clock is passed in for tests.
    """

    def __init__(
        self,
        address_limit: int = 20,
        window: float = 900.0,
        account_free: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address_limit, self.window, self.clock = address_limit, window, clock
        self.account_free, self.base_delay, self.max_delay = account_free, base_delay, max_delay
        self._by_address: dict[str, deque[float]] = defaultdict(deque)
        self._by_account: dict[str, tuple[int, float]] = {}  # failures, time of the last
        self._lock = threading.Lock()

    def check(self, address: str, account: str) -> None:
        """Raise TooManyAttempts (with the seconds to wait) if either may not try now."""
        now = self.clock()
        with self._lock:
            times = self._by_address[address]
            while times and times[0] <= now - self.window:
                times.popleft()
            waits = [times[0] + self.window - now] if len(times) >= self.address_limit else []
            failures, last = self._account(account, now)
            waits.append(last + self.delay(failures) - now)
        wait = max(waits)
        if wait > 0:
            raise TooManyAttempts("too many failed sign-ins; wait before trying again", math.ceil(wait))

    def delay(self, failures: int) -> float:
        """Seconds an account must wait after its last failure, having failed `failures` times."""
        if failures < self.account_free:
            return 0.0
        return float(min(self.base_delay * 2 ** (failures - self.account_free), self.max_delay))

    def failed(self, address: str, account: str) -> None:
        now = self.clock()
        with self._lock:
            self._by_address[address].append(now)
            failures, _ = self._account(account, now)
            self._by_account[account] = (failures + 1, now)
            if len(self._by_account) > 10_000:  # forget stale accounts so made-up names cannot fill memory
                self._by_account = {k: v for k, v in self._by_account.items() if v[1] > now - self.window}
                self._by_address = defaultdict(deque, {k: v for k, v in self._by_address.items() if v})

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._by_account.pop(account, None)

    def _account(self, account: str, now: float) -> tuple[int, float]:
        failures, last = self._by_account.get(account, (0, now))
        if last <= now - self.window - self.delay(failures):  # quiet for a whole window since it could retry
            return 0, now
        return failures, last
