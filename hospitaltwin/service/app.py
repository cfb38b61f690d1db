"""The web application: the API under ``/api/v1``, pages under ``/``, assets under ``/static``.

:func:`create_app` wires the routers to a :class:`~hospitaltwin.service.runtime.Service`,
started and stopped by the application's lifespan. Every error is answered in JSON with a
clear message and a 4xx status: a user mistake in a policy names the key (422), an unknown
id is a 404, a refused identity 401/403, a full queue 429. A 5xx would be a bug; it is logged
with its traceback and answered without one. Security headers go on every response, and API
answers are never cached.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hospitaltwin.core.errors import ConfigError, HospitaltwinError
from hospitaltwin.service import api, api_manage, pages
from hospitaltwin.service.security import HEADERS

log = logging.getLogger("hospitaltwin.http")
API = "/api/v1"


def create_app(service) -> FastAPI:
    """The FastAPI application serving ``service``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(title="hospitaltwin", version="1", lifespan=lifespan,
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None,
                  description="The live digital twin: state, forecasts, alerts and what-ifs.")
    app.state.service = service
    app.include_router(api.router, prefix=API)
    app.include_router(api_manage.router, prefix=API)
    app.include_router(pages.router)
    static = resources.files("hospitaltwin.service") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _handlers(app)
    app.middleware("http")(_headers)
    return app


async def _headers(request: Request, call_next):
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith(API):
        response.headers["Cache-Control"] = "no-store"
    return response


def _problems(exc: RequestValidationError) -> list[dict]:
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        out.append({"where": where, "reason": str(error.get("msg", "invalid"))})
    return out


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = _problems(exc)
        first = problems[0] if problems else {"where": "request", "reason": "invalid"}
        return JSONResponse({"error": f"{first['where']}: {first['reason']}",
                             "problems": problems}, status_code=422)

    @app.exception_handler(ConfigError)
    async def config_error(request: Request, exc: ConfigError):
        problems = [{"where": p.path or p.file, "reason": p.reason} for p in exc.problems]
        return JSONResponse({"error": str(exc.problems[0]) if exc.problems else str(exc),
                             "problems": problems}, status_code=422)

    @app.exception_handler(HospitaltwinError)
    async def user_error(request: Request, exc: HospitaltwinError):
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error (logged)"}, status_code=500)
