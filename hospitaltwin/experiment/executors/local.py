"""Replications on this machine: in the calling process, or on a pool of worker processes.

The default executor. With one worker (or one replication) replications run in the calling
process; with more, a ``multiprocessing`` pool is started for the job (forked on Linux, so the
compiled model and the state are inherited rather than pickled, spawned elsewhere) and
replications are handed out in chunks of about a sixteenth of each worker's share, and never
more than :data:`MAX_CHUNK`, which keeps the pool's messaging small against the work and the
tail balanced. ``imap`` returns results in replication order while later chunks still run: a
chunk finished early waits in the parent until the chunks before it are in, so the chunk size
bounds the results held, and capping it keeps memory flat in replications (a sixteenth of the
share alone grows with them: 156 state-wide forecast summaries of 2–3 MiB each at 5,000).
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator

from hospitaltwin.experiment.executors.job import ReplicationJob, run_one

CHUNKS_PER_WORKER = 16
MAX_CHUNK = 8
_JOB: dict[str, ReplicationJob] = {}


def _init_worker(job: ReplicationJob) -> None:
    _JOB["job"] = job


def _one_in_worker(replication: int):
    return run_one(_JOB["job"], replication)


def chunk_size(replications: int, processes: int) -> int:
    """Replications per chunk handed to one pool worker (see the module's note)."""
    return max(1, min(MAX_CHUNK, replications // (processes * CHUNKS_PER_WORKER)))


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
        chunk = chunk_size(len(numbers), processes)
        with mp.get_context(method).Pool(processes, _init_worker, (job,)) as pool:
            yield from pool.imap(_one_in_worker, numbers, chunksize=chunk)

    def close(self) -> None:
        """Nothing to release: a pool lives only as long as one job."""

    def __repr__(self) -> str:
        return f"LocalProcesses({self.workers})"
