"""Where replications run: one executor abstraction for local processes and a Dask cluster.

Every stage that simulates many replications (a run, a comparison, a forecast, a backtest,
the optimisers' demand paths) maps them through
:func:`hospitaltwin.experiment.replicate.replicate`, which hands a
:class:`~hospitaltwin.experiment.executors.job.ReplicationJob` to a
:class:`ReplicationExecutor`. Two implementations:
:class:`~hospitaltwin.experiment.executors.local.LocalProcesses` (the default: the calling
process, or a pool of forked worker processes) and
:class:`~hospitaltwin.experiment.executors.cluster.DaskCluster` (replications batched into
tasks on a ``dask.distributed`` cluster, needs the ``dask`` extra). Replication ``r`` depends
only on the root seed and ``r`` (named random streams), and every executor yields
replications in order, so results are the same bytes whichever runs them.

Wherever a function takes ``workers``, it accepts a number of local processes or an executor
(:data:`Workers`); :func:`replication_executor` builds one from the command line's
``--workers`` and ``--scheduler``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from hospitaltwin.experiment.executors.job import ReplicationJob

SCHEDULER_ENV = "HOSPITALTWIN_DASK_SCHEDULER"


@runtime_checkable
class ReplicationExecutor(Protocol):
    """Runs a job's replications somewhere and yields their results in replication order."""

    def map(self, job: ReplicationJob, numbers: range) -> Iterator:
        """Yield ``run_one(job, r)`` for every ``r`` in ``numbers``, in that order."""
        ...

    def close(self) -> None:
        """Release what the executor holds (processes, connections)."""
        ...


Workers = int | ReplicationExecutor
"""A number of local worker processes, or an executor (e.g. a Dask cluster)."""


def executor_for(workers: Workers) -> ReplicationExecutor:
    """The executor ``workers`` stands for: itself, or that many local processes."""
    if isinstance(workers, ReplicationExecutor):
        return workers
    from hospitaltwin.experiment.executors.local import LocalProcesses

    return LocalProcesses(int(workers))


@contextmanager
def replication_executor(
    workers: int = 1, scheduler: str | None = None
) -> Iterator[ReplicationExecutor]:
    """An executor for the length of a ``with`` block: the Dask cluster at ``scheduler``
    (``tcp://HOST:PORT``) when one is given, else ``workers`` local processes.

    Raises
    ------
    HospitaltwinError
        When the scheduler cannot be reached, its workers run other package versions, or
        ``dask.distributed`` is not installed.
    """
    if scheduler:
        from hospitaltwin.experiment.executors.cluster import DaskCluster

        executor: ReplicationExecutor = DaskCluster(scheduler)
    else:
        executor = executor_for(workers)
    try:
        yield executor
    finally:
        executor.close()


__all__ = [
    "SCHEDULER_ENV",
    "ReplicationExecutor",
    "Workers",
    "executor_for",
    "replication_executor",
]
