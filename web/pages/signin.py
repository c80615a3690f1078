"""Signing staff in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from repository.errors import DirectoryUnavailable, Unauthorized
from repository.services import users
from web import auth
from web.auth import local_target
from web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.check_csrf)])


@router.get("/login")
def login_form(request: Request, next: str = "/workspace") -> Response:
    if auth.current_user(request) is not None:
        return RedirectResponse(local_target(next), status_code=303)
    return render(request, "login.html", {"next": local_target(next), "email": ""})


@router.post("/login")
def login(
    request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/workspace")
) -> Response:
    throttle: auth.LoginThrottle = request.app.state.login_throttle
    address, account = auth.client_address(request), email.strip().lower()
    throttle.check(address, account)
    wiring = auth.wiring_of(request)
    try:
        user = users.authenticate(wiring.uow(), email, password, directory=wiring.directory)
    except Unauthorized:
        throttle.failed(address, account)
        return render(
            request, "login.html", {"next": local_target(next), "email": email, "failed": True}, status_code=401
        )
    except DirectoryUnavailable:
        context = {"next": local_target(next), "email": email, "directory_down": True}
        return render(request, "login.html", context, status_code=503)
    throttle.succeeded(account)  # only the account's: the address keeps its count
    auth.sign_in(request, user)
    return RedirectResponse(auth.landing(user, local_target(next)), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    auth.sign_out(request)
    return RedirectResponse("/", status_code=303)
