"""Replications on this machine: in the calling process, or on a pool of worker processes.

The default executor. With one worker (or one replication) replications run in the calling
process; with more, a ``multiprocessing`` pool is started for the job (forked on Linux, so the
compiled model and the state are inherited rather than pickled, spawned elsewhere) and
replications are handed out in chunks of about a sixteenth of each worker's share, which
keeps the pool's messaging small against the work and the tail balanced. ``imap`` returns
results in replication order while later chunks still run, so memory stays flat.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator

from hospitaltwin.experiment.executors.job import ReplicationJob, run_one

CHUNKS_PER_WORKER = 16
_JOB: dict[str, ReplicationJob] = {}


def _init_worker(job: ReplicationJob) -> None:
    _JOB["job"] = job


def _one_in_worker(replication: int):
    return run_one(_JOB["job"], replication)


class LocalProcesses:
    """``workers`` local processes (``1``: the calling process itself)."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))

    def map(self, job: ReplicationJob, numbers: range) -> Iterator:
        """Yield the replications ``numbers`` of ``job`` in order."""
        if self.workers == 1 or len(numbers) <= 1:
            yield from (run_one(job, r) for r in numbers)
            return
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        processes = min(self.workers, len(numbers))
        chunk = max(1, len(numbers) // (processes * CHUNKS_PER_WORKER))
        with mp.get_context(method).Pool(processes, _init_worker, (job,)) as pool:
            yield from pool.imap(_one_in_worker, numbers, chunksize=chunk)

    def close(self) -> None:
        """Nothing to release: a pool lives only as long as one job."""

    def __repr__(self) -> str:
        return f"LocalProcesses({self.workers})"
