"""Running the service: uvicorn serving the app, the MLLP listener in the same event loop.

uvicorn handles SIGTERM and SIGINT: it stops accepting HTTP requests, finishes those in
progress, and runs the application's shutdown, which stops the MLLP listener after the
messages in hand are stored and acknowledged (:meth:`Service.stop`). Once both servers
listen, one line ``ready: http://HOST:PORT mllp=HOST:PORT`` is printed on stderr (with the
ports really bound, useful with port 0).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvicorn

from hospitaltwin.service.app import create_app
from hospitaltwin.service.config import Settings
from hospitaltwin.service.runtime import Service

log = logging.getLogger("hospitaltwin.service")


def configure_logging(level: int = logging.INFO) -> None:
    """One plain line per event on stderr."""
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def serve(settings: Settings, tls_cert: str | None = None, tls_key: str | None = None) -> None:
    """Run until SIGTERM or SIGINT (see the module doc)."""
    configure_logging()
    service = Service(settings)
    config = uvicorn.Config(create_app(service), host=settings.http_host, port=settings.http_port,
                            lifespan="on", log_config=None, access_log=False,
                            ssl_certfile=tls_cert, ssl_keyfile=tls_key, server_header=False,
                            proxy_headers=True, timeout_graceful_shutdown=30)
    asyncio.run(_run(uvicorn.Server(config), service, "https" if tls_cert else "http"))


async def _run(server: uvicorn.Server, service: Service, scheme: str) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):  # uvicorn re-raises the signal it stopped on:
        signal.signal(sig, lambda *_: None)     # after a clean stop, exit 0, not killed by it
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started:
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        mllp = f"{service.settings.mllp_host}:{service.mllp_port}" if service.mllp_port else "off"
        print(f"ready: {scheme}://{host}:{port} mllp={mllp}", file=sys.stderr, flush=True)
    await task
    if not server.started:
        raise SystemExit(2)
