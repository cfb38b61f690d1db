"""The frame of every dashboard page: head, navigation, who is logged in, and the assets.

A page is plain HTML; its numbers are filled in by its script from the JSON API, so the page
and ``/api/v1`` can never disagree. Scripts and styles are files the package serves itself
(``/static``, and ``/assets`` for plotly.js from the plotly package and the flow player from
:mod:`hospitaltwin.report`), so the dashboard works with no internet and under the service's
content security policy (no inline script). :func:`signed_in` sends a logged-out browser to
``/login``.
"""

from __future__ import annotations

import html
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hospitaltwin.service.auth import allows
from hospitaltwin.service.security import CSRF_COOKIE, Identity, find_identity

PAGES = (("/", "Overview", "viewer"), ("/forecast", "Forecast", "viewer"),
         ("/whatif", "What-if", "viewer"), ("/flow", "Flow", "viewer"),
         ("/downloads", "Downloads", "viewer"))
PLOTLY = "/assets/plotly.min.js"
CACHE_DAY = "public, max-age=86400"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "frame-ancestors 'none'")
"""The service's policy, but with inline styles: plotly.js styles its charts in place (scripts
still come from this server only)."""


def signed_in(request: Request) -> Identity | RedirectResponse:
    """The browser's identity, or a redirect to ``/login``."""
    who = find_identity(request)
    return who if who is not None else RedirectResponse("/login", status_code=303)


def _nav(who: Identity, current: str, csrf: str) -> str:
    links = "".join(
        f'<a href="{path}"{" aria-current=page" if path == current else ""}>{label}</a>'
        for path, label, role in PAGES if allows(who.role, role))
    return (f'<header class="top"><a class="brand" href="/">hospitaltwin</a><nav>{links}</nav>'
            f'<form class="who" method="post" action="/logout"><span>{html.escape(who.name)} '
            f'<small>({who.role})</small></span><input type="hidden" name="csrf" '
            f'value="{html.escape(csrf)}"><button type="submit">Log out</button></form></header>')


def page(request: Request, who: Identity, current: str, title: str, body: str,
         scripts: tuple[str, ...] = (), plotly: bool = False) -> HTMLResponse:
    """A dashboard page: ``body`` under the navigation, then ``scripts`` (names under /static,
    or absolute paths)."""
    csrf = request.cookies.get(CSRF_COOKIE, "")
    prefetch = "" if plotly else f'<link rel="prefetch" href="{PLOTLY}" as="script">'
    tags = ([f'<script src="{PLOTLY}"></script>'] if plotly else []) + \
        [f'<script src="{name if name.startswith("/") else "/static/" + name}"></script>'
         for name in ("dash.js", *scripts)]
    text = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{html.escape(title)} - '
            f'hospitaltwin</title><link rel="icon" href="data:,"><link rel="stylesheet" '
            'href="/static/dash.css">'
            f'<link rel="stylesheet" href="/assets/flow.css">{prefetch}</head>'
            f'<body data-role="{who.role}">{_nav(who, current, csrf)}'
            f'<main class="dash">{body}</main>{"".join(tags)}</body></html>')
    return HTMLResponse(text, headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP})


def plotly_response() -> Response:
    """plotly.js from the installed plotly package (cached by the browser for a day)."""
    path = resources.files("plotly") / "package_data" / "plotly.min.js"
    return Response(path.read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": CACHE_DAY})


def player_asset(name: str) -> Response:
    """The flow player's script or style (the same files ``hospitaltwin animate`` inlines)."""
    from hospitaltwin.report.animate import asset

    kind = "text/javascript" if name.endswith(".js") else "text/css"
    return Response(asset(name), media_type=kind, headers={"Cache-Control": CACHE_DAY})
