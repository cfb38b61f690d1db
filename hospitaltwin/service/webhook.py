"""Telling another system about alerts: a JSON POST with retries, failures logged.

Each fired or cleared alert is POSTed to the webhook URL of ``alerts.yaml`` as
``{"event": "fired"|"cleared", "alert": {...}, "service": "hospitaltwin"}``. A failed POST
(connection refused, timeout, a status other than 2xx) is tried again after 1, 2, 4 …
seconds, up to the rule file's ``retries``; a POST that still fails is logged and written to
the audit table, and the service goes on (an alert is never lost from the store because a
receiver was down).
"""

from __future__ import annotations

import asyncio
import logging

import httpx

log = logging.getLogger("hospitaltwin.webhook")


async def post_alert(url: str, change: dict, retries: int, timeout_s: float) -> str | None:
    """POST one alert change; None when delivered, else the last error."""
    body = {"event": change["event"], "alert": {k: v for k, v in change.items() if k != "event"},
            "service": "hospitaltwin"}
    error = None
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
        for attempt in range(retries + 1):
            if attempt:
                await asyncio.sleep(2 ** (attempt - 1))
            try:
                response = await client.post(url, json=body)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            if 200 <= response.status_code < 300:
                return None
            error = f"HTTP {response.status_code}"
    log.error("webhook %s: alert %s %s not delivered after %d tries: %s", url, change["rule"],
              change["event"], retries + 1, error)
    return error
