"""What-if jobs: a bounded pool of worker processes with a bounded queue.

``POST /api/v1/whatif`` hands a policy to :meth:`JobPool.submit`, which returns a job id at
once; the comparison runs in one of ``--whatif-workers`` processes. At most ``workers +
queue`` jobs are waiting or running: one more is refused (:class:`PoolFull`, HTTP 429 with a
``Retry-After``) rather than piling up work nobody will wait for. A job's result (the paired
rows of :func:`hospitaltwin.compare.paired.compare`) is kept in memory for ``KEEP`` jobs and its files
are written under the runs folder (``whatif/ID``).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.service.work import WhatIfSpec, discard_partial, run_whatif_job

KEEP = 200


class PoolFull(HospitaltwinError):
    """Every worker is busy and the queue is full."""


@dataclass
class Job:
    """One what-if: who asked, its state and, when done, its result or error."""

    id: str
    owner: str
    created: str
    state: str = "queued"  # queued | running | done | failed
    result: dict | None = None
    error: str | None = None
    future: object = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready view."""
        state = "running" if self.state == "queued" and self.future is not None \
            and self.future.running() else self.state
        return {"id": self.id, "owner": self.owner, "created": self.created, "state": state,
                "result": self.result, "error": self.error}


class JobPool:
    """The what-if queue (see the module doc)."""

    def __init__(self, pool, workers: int, queue: int, out):
        self.pool, self.capacity, self.out = pool, workers + queue, out
        self.jobs: OrderedDict[str, Job] = OrderedDict()

    def open_jobs(self) -> int:
        """Jobs queued or running."""
        return sum(j.state in ("queued", "running") for j in self.jobs.values())

    def submit(self, owner: str, **spec) -> Job:
        """Queue a what-if (``spec``: the fields of :class:`WhatIfSpec` but id and out)."""
        if self.open_jobs() >= self.capacity:
            raise PoolFull(f"{self.capacity} what-ifs are already waiting or running; try later")
        job = Job(secrets.token_hex(8), owner, datetime.now(UTC).isoformat(timespec="seconds"))
        job.future = self.pool.submit(run_whatif_job, WhatIfSpec(job.id, out=self.out, **spec))
        job.future.add_done_callback(lambda f: self._done(job, f))
        self.jobs[job.id] = job
        while len(self.jobs) > KEEP:
            self.jobs.popitem(last=False)
        return job

    def _done(self, job: Job, future) -> None:
        """Record the outcome (called in the pool's thread when the job ends)."""
        if future.cancelled():
            job.state, job.error = "failed", "stopped (service stopped)"
        elif future.exception() is not None:
            exc = future.exception()
            job.state = "failed"
            job.error = str(exc) if isinstance(exc, HospitaltwinError) else \
                f"the what-if failed ({type(exc).__name__})"
            discard_partial(self.out, job.id)
        else:
            job.state, job.result = "done", future.result()

    def get(self, job_id: str) -> Job | None:
        """A job by id."""
        return self.jobs.get(job_id)
