"""Keeping the derived tables up to date behind the MLLP feed, in a worker process.

After every committed batch the feed calls :meth:`Resolver.poke`; the resolver then judges
the patients with new events (:func:`hospitaltwin.store.pending.resolve_pending`) in its own
process, at most every ``PAUSE_S`` seconds, coalescing whatever arrived meanwhile into one
pass (fewer, larger passes hold the store's write lock less often, so ACKs wait less), and
tells the scheduler that the state changed. It runs once at start-up too, so a service killed between a commit and the
judging catches up before its first forecast.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger("hospitaltwin.resolver")
PAUSE_S = 0.5
_stores: dict = {}


def resolve_in_worker(url: str) -> int:
    """Worker side: judge the pending patients of the store at ``url``."""
    from hospitaltwin.store import Store
    from hospitaltwin.store.pending import resolve_pending

    if url not in _stores:
        _stores[url] = Store.open(url)
    return resolve_pending(_stores[url].engine)


class Resolver:
    """Runs :func:`resolve_in_worker` whenever poked, one pass at a time."""

    def __init__(self, url: str, pool, on_resolved: Callable[[int], None]):
        self.url, self.pool, self.on_resolved = url, pool, on_resolved
        self.wanted = asyncio.Event()
        self.idle = asyncio.Event()
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        """Begin (with one pass for what a previous run left)."""
        self.wanted.set()
        self.task = asyncio.create_task(self._run(), name="resolver")

    def poke(self) -> None:
        """New events were committed."""
        self.idle.clear()
        self.wanted.set()

    async def _run(self) -> None:
        while True:
            if not self.wanted.is_set():
                self.idle.set()
            await self.wanted.wait()
            self.wanted.clear()
            try:
                patients = await self.pool.run(resolve_in_worker, self.url)
            except Exception as exc:  # noqa: BLE001  (kept running: the next poke retries)
                log.error("judging new events failed (will retry): %s", exc)
                await asyncio.sleep(1.0)
                self.wanted.set()
                continue
            if patients:
                self.on_resolved(patients)
                await asyncio.sleep(PAUSE_S)

    async def settle(self, timeout: float = 60.0) -> None:
        """Wait until nothing is left to judge (used when stopping)."""
        self.wanted.set()
        self.idle.clear()
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopped before every new event was judged; the next start will")

    async def stop(self) -> None:
        """Cancel the loop."""
        if self.task is not None:
            self.task.cancel()
