"""The browser side: ``/login`` (a form with ``username`` and ``password``), ``/logout``, and
the dashboard's pages (:mod:`.dash_pages`, :mod:`.dash_data`).

A browser that logs in gets a session cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure``
over HTTPS, 12 hours) and a CSRF cookie whose value every form and every state-changing API
call must echo (:mod:`.security`). The login form carries that value in a hidden ``csrf``
field, so a page on another site cannot log a browser in either. Every page but ``/login``
sends a logged-out browser to ``/login``. Pages are plain HTML with the package's own CSS
(``/static``); nothing is loaded from elsewhere.
"""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hospitaltwin.service import auth
from hospitaltwin.service.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    audit,
    client_of,
    csrf_ok,
    find_identity,
    is_https,
    service_of,
)
from hospitaltwin.store import accounts
from hospitaltwin.store.connect import writing

router = APIRouter(include_in_schema=False)
SESSION_HOURS = 12


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(title)} - '
            f'hospitaltwin</title><link rel="icon" href="data:,"><link rel="stylesheet" '
            f'href="/static/service.css"></head>'
            f'<body><main>{body}</main></body></html>')


def _cookie(response: Response, request: Request, name: str, value: str, http_only: bool) -> None:
    response.set_cookie(name, value, max_age=SESSION_HOURS * 3600, httponly=http_only,
                        samesite="strict", secure=is_https(request), path="/")


def _login_form(request: Request, error: str = "", status: int = 200) -> HTMLResponse:
    token = request.cookies.get(CSRF_COOKIE) or auth.new_token()
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (f'<h1>hospitaltwin</h1><div class="card"><form method="post" action="/login">'
            f'{message}<input type="hidden" name="csrf" value="{token}">'
            '<label for="username">User name</label><input type="text" id="username" '
            'name="username" autocomplete="username" required autofocus>'
            '<label for="password">Password</label><input type="password" id="password" '
            'name="password" autocomplete="current-password" required>'
            '<button type="submit">Log in</button></form></div>')
    response = HTMLResponse(_page("Log in", body), status_code=status)
    _cookie(response, request, CSRF_COOKIE, token, http_only=False)
    return response


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    """The login form."""
    return _login_form(request)


@router.post("/login")
async def login(request: Request, username: str = Form("", max_length=64),
                password: str = Form("", max_length=1024), csrf: str = Form("", max_length=100)):
    """Check the form; on success set the session cookie and go to ``/``."""
    service = service_of(request)
    if not csrf_ok(request, csrf):
        return _login_form(request, "The form expired; please log in again.", 403)
    wait = service.limiter.wait_s(client_of(request))
    if wait > 0:
        await asyncio.to_thread(audit, request, None, "login", username or None,
                                {"why": "too many attempts from this address"}, "denied")
        return _login_form(request, f"Too many attempts; wait {wait:.0f} s.", 429)
    result = await asyncio.to_thread(auth.login, service.engine, username, password,
                                     client_of(request))
    if result.user is None:
        return _login_form(request, result.reason, 429 if result.locked else 401)
    session = auth.new_token()
    with writing(service.engine) as conn:
        accounts.add_token(conn, result.user, session, "session", timedelta(hours=SESSION_HOURS))
    response = RedirectResponse("/", status_code=303)
    _cookie(response, request, SESSION_COOKIE, session, http_only=True)
    _cookie(response, request, CSRF_COOKIE, auth.new_token(), http_only=False)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("", max_length=100)):
    """End the session (the form must carry the CSRF token)."""
    who = find_identity(request)
    if who is not None and who.via == "session" and csrf_ok(request, csrf):
        with writing(service_of(request).engine) as conn:
            accounts.drop_token(conn, request.cookies[SESSION_COOKIE])
        audit(request, who, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


from hospitaltwin.service import dash_data, dash_pages  # noqa: E402  (the pages under /)

router.include_router(dash_pages.router)
router.include_router(dash_data.router)
