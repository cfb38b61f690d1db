"""Who is asking: FastAPI dependencies for identities, roles and CSRF, and the security headers.

A request is identified by ``Authorization: Bearer TOKEN`` (scripts) or by the session
cookie a browser got at ``/login``. The cookie is ``HttpOnly`` (no script can read it),
``SameSite=Strict`` (no other site's page can send it) and ``Secure`` when the request came
over HTTPS (directly or through a proxy that says so). A request with a session that changes
something (POST, PUT, PATCH, DELETE) must also carry the CSRF token: the ``ht_csrf`` cookie's
value echoed in the ``X-CSRF-Token`` header or the form's ``csrf`` field (double submit); a
bearer token needs none, since no browser sends it by itself. No identity gives 401, a role
too low 403; refusals are audited.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import HTTPException, Request

from hospitaltwin.service.auth import allows
from hospitaltwin.store import accounts
from hospitaltwin.store.connect import writing

SESSION_COOKIE = "ht_session"
CSRF_COOKIE = "ht_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True)
class Identity:
    """An authenticated caller."""

    name: str
    role: str
    via: str  # token | session


def service_of(request: Request):
    """The running :class:`~hospitaltwin.service.runtime.Service`."""
    return request.app.state.service


def client_of(request: Request) -> str:
    """The caller's address (for audit and login limits)."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or via a proxy saying so)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def find_identity(request: Request) -> Identity | None:
    """The caller's identity from a bearer token or a session cookie, or None."""
    engine = service_of(request).engine
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        kind, token = "api", token.strip()
    elif request.cookies.get(SESSION_COOKIE):
        kind, token = "session", request.cookies[SESSION_COOKIE]
    else:
        return None
    if len(token) > 200:
        return None
    with engine.connect() as conn:
        user = accounts.user_of_token(conn, token, kind)
    return Identity(user.name, user.role, "token" if kind == "api" else "session") if user else None


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether ``submitted`` matches the CSRF cookie (double submit)."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and bool(submitted) and hmac.compare_digest(expected, submitted)


def require(role: str):
    """A dependency: the caller's identity, with at least ``role`` (401/403 otherwise)."""

    def dependency(request: Request) -> Identity:
        who = find_identity(request)
        if who is None:
            raise HTTPException(401, "authentication required: send 'Authorization: Bearer "
                                     "TOKEN' or log in at /login",
                                headers={"WWW-Authenticate": "Bearer"})
        if not allows(who.role, role):
            _denied(request, who, f"needs role {role}")
            raise HTTPException(403, f"this needs the {role} role; you are {who.role}")
        if who.via == "session" and request.method in UNSAFE and \
                not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            _denied(request, who, "missing or wrong CSRF token")
            raise HTTPException(403, f"a browser session must send the {CSRF_HEADER} header "
                                     f"(the value of the {CSRF_COOKIE} cookie)")
        return who

    return dependency


def _denied(request: Request, who: Identity, why: str) -> None:
    with writing(service_of(request).engine) as conn:
        accounts.audit(conn, who.name, f"{request.method} {request.url.path}", outcome="denied",
                       detail={"why": why}, client=client_of(request))


def audit(request: Request, who: Identity | None, action: str, target: str | None = None,
          detail: dict | None = None, outcome: str = "ok") -> None:
    """Write an audit line for a request."""
    with writing(service_of(request).engine) as conn:
        accounts.audit(conn, who.name if who else None, action, target, outcome, detail,
                       client_of(request))
