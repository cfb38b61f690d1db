"""Worker processes: the pools that keep heavy work off the listener's and the API's loop.

Pools use the ``spawn`` start method: the service's process holds an event loop, threads and
open database connections, none of which a forked child may touch. Workers run at a lower
scheduling priority (``nice`` 10): on a busy machine the listener, which holds senders
waiting for their ACKs, comes first. A worker whose service was killed ends within a second. A pool whose process died
(killed by the system, out of memory) is replaced before the next piece of work, so one lost
worker costs one run, not the service. :meth:`Workers.stop` ends a pool at once on shutdown;
the work it cuts short leaves no trace but a ``.partial`` folder of this service (removed)
and a run row marked as stopped.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def _start_worker() -> None:
    """In a worker: yield the processor to the listener when both want it, and end when the
    service's process is gone (killed with SIGKILL, a worker would otherwise live on)."""
    try:
        os.nice(10)
    except OSError:  # not permitted here: run at the same priority
        pass
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _import_work() -> None:
    """In a worker: import what forecasts, judging and what-ifs use."""
    import hospitaltwin.compare.paired
    import hospitaltwin.forecast
    import hospitaltwin.service.work
    import hospitaltwin.store.pending
    import hospitaltwin.store.store  # noqa: F401


class Workers:
    """A pool of ``size`` spawned worker processes that renews itself when broken."""

    def __init__(self, size: int):
        self.size = size
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.size, initializer=_start_worker,
                                   mp_context=multiprocessing.get_context("spawn"))

    def submit(self, func, *args) -> Future:
        """Start ``func(*args)`` in a worker; a concurrent future."""
        try:
            return self.pool.submit(func, *args)
        except BrokenProcessPool:
            self.pool = self._new()
            return self.pool.submit(func, *args)

    def warm_up(self) -> None:
        """Start every process now and import the work's modules in it (a spawned process
        takes seconds to import them, which the first forecast should not wait for)."""
        for _ in range(self.size):
            self.submit(_import_work)

    async def run(self, func, *args):
        """``func(*args)`` in a worker, awaited."""
        return await asyncio.wrap_future(self.submit(func, *args))

    def stop(self) -> None:
        """Cancel queued work and end the processes now (running work is cut short)."""
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # no public handle on the processes before Python 3.14
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
