"""Worker processes: the pools that keep heavy work off the listener's and the API's loop.

Pools use the ``spawn`` start method: the service's process holds an event loop, threads and
open database connections, none of which a forked child may touch. :func:`stop_pool` ends a
pool at once on shutdown; the work it cuts short leaves no trace but a ``.partial`` folder of
this service (removed) and a run row marked as stopped.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued work and end the pool's processes now (running work is cut short)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
