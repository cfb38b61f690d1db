"""One job of replications, as every executor runs it: the same function locally and on a cluster.

A :class:`ReplicationJob` is what all replications of a run share (the compiled model, the
root seed, the start state, what to build and how to reduce it); :func:`run_one` turns it and
a replication number into what the caller consumes. Executors only decide where these calls
happen, never what they compute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from hospitaltwin.core.state import SystemState
from hospitaltwin.engine import CompiledModel, Replication, StartPlan, plan_start, simulate


@dataclass(frozen=True)
class ReplicationJob:
    """Everything a replication needs besides its number: sent once to each worker.

    With ``reduce`` (a module-level function, so that it pickles by name), a worker returns
    ``reduce(replication, model)`` instead of the replication: only what the caller
    aggregates crosses processes. ``stay_columns`` names the only columns of ``stays`` it reads.
    """

    model: CompiledModel
    seed: int
    state: SystemState | None = None
    tables: bool = True
    reduce: Callable[[Replication, CompiledModel], object] | None = None
    stay_columns: tuple[str, ...] | None = None

    @cached_property
    def start(self) -> StartPlan | None:
        """The start state laid out for the model: once per worker, not per replication."""
        return None if self.state is None else plan_start(self.model, self.state)


def run_one(job: ReplicationJob, replication: int):
    """Simulate replication ``replication`` of ``job`` and return what the caller consumes."""
    result = simulate(
        job.model, job.seed, replication, job.start, job.tables, kpis=job.reduce is None,
        stay_columns=job.stay_columns,
    )
    if job.reduce is not None:
        return job.reduce(result, job.model)
    result.realised = None  # not needed by the caller; keeps what crosses processes small
    return result


def run_batch(job: ReplicationJob, first: int, count: int) -> list:
    """Replications ``first .. first+count-1`` of ``job``, in order (one task's work)."""
    return [run_one(job, r) for r in range(first, first + count)]
