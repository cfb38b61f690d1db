"""Replications on a Dask cluster: batched tasks, a bounded number in flight, results in order.

:class:`DaskCluster` connects to a running ``dask scheduler`` (``tcp://HOST:PORT``) through
``dask.distributed`` (the optional ``hospitaltwin[dask]`` extra). For each job it submits the
pickled :class:`~hospitaltwin.experiment.executors.job.ReplicationJob` once, as a task every
batch depends on (the scheduler keeps its definition, so if every worker holding it is lost
it is recomputed rather than missing), then batches of consecutive replications sized by
:class:`~hospitaltwin.experiment.executors.batching.BatchPlanner`. At most two tasks per
worker thread are in flight or waiting to be consumed; results are taken as they complete,
each one released on the cluster as soon as it is read, the next tasks submitted at once, and
the results handed to the caller in replication order: memory stays flat in replications on
the client and on the workers, and the output is the same bytes as a local run. A worker lost
mid-run is Dask's to handle: its tasks run again elsewhere and, replications being pure
functions of (seed, number), give the same results. Before the first job the workers'
package versions are compared with this process's; a mismatch that could change the numbers
is refused.
"""

from __future__ import annotations

import pickle
import time
import uuid
from collections.abc import Iterator

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.executors.batching import TARGET_TASK_S, BatchPlanner, InOrder
from hospitaltwin.experiment.executors.job import ReplicationJob, run_batch

CONNECT_TIMEOUT_S = 30.0
IN_FLIGHT_PER_THREAD = 2
SAME_VERSIONS = (
    "python",
    "hospitaltwin",
    "numpy",
    "scipy",
    "simpy",
    "pydantic",
    "cloudpickle",
    "dask",
    "distributed",
)
INSTALL_HINT = "pip install 'hospitaltwin[dask]'"


def _distributed():
    try:
        import distributed
    except ImportError:
        raise HospitaltwinError(
            "--scheduler: running replications on a Dask cluster needs "
            f"dask.distributed, which is not installed ({INSTALL_HINT})"
        ) from None
    return distributed


def timed_batch(job: ReplicationJob, first: int, count: int) -> tuple[list, float]:
    """One task: replications ``first .. first+count-1`` and the seconds they took."""
    start = time.perf_counter()
    results = run_batch(job, first, count)
    return results, time.perf_counter() - start


def package_versions() -> dict[str, str]:
    """The versions that must agree between the client and every worker (Python: major.minor)."""
    import platform
    from importlib import metadata

    found = {"python": ".".join(platform.python_version_tuple()[:2])}
    for name in SAME_VERSIONS[1:]:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


class DaskCluster:
    """Replications on the Dask cluster whose scheduler listens at ``address``."""

    def __init__(
        self,
        address: str,
        *,
        target_task_s: float = TARGET_TASK_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ):
        self.address = address
        self.target_task_s = target_task_s
        self.client = _connect(_distributed(), address, connect_timeout_s)
        self.batch_sizes: list[int] = []
        try:
            check_versions(self.client, address)
        except BaseException:
            self.client.close()
            raise

    def map(self, job: ReplicationJob, numbers: range) -> Iterator:
        """Yield the replications ``numbers`` of ``job`` in order, computed on the cluster."""
        token = uuid.uuid4().hex[:12]
        payload = self.client.submit(
            pickle.loads, pickle.dumps(job, protocol=5), key=f"hospitaltwin-job-{token}"
        )
        threads = max(1, sum(self.client.nthreads().values()))
        planner = BatchPlanner(numbers, threads, self.target_task_s)
        flight = _Flight(self.client, payload, planner, IN_FLIGHT_PER_THREAD * threads, token)
        try:
            flight.top_up(released=0)
            for future in flight.started():
                yield from flight.finish(future, self.address)
        finally:
            self.client.cancel([*flight.running, payload])
            self.batch_sizes = planner.sizes

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()

    def __repr__(self) -> str:
        return f"DaskCluster({self.address!r})"


class _Flight:
    """The tasks of one job that are submitted and not yet consumed, at most ``window``."""

    def __init__(self, client, payload, planner: BatchPlanner, window: int, token: str):
        self.client, self.payload, self.planner, self.window, self.token = (
            client,
            payload,
            planner,
            window,
            token,
        )
        self.running: dict = {}
        self.order = InOrder()
        self.submitted = 0
        self.queue = None

    def started(self):
        """An ``as_completed`` over the first tasks; :meth:`top_up` adds the later ones to it."""
        from distributed import as_completed

        self.queue = as_completed(list(self.running), loop=self.client.loop)
        return self.queue

    def top_up(self, released: int) -> None:
        """Submit batches until ``window`` are in flight or waiting to be consumed."""
        while (
            self.submitted < released + self.window and (batch := self.planner.take()) is not None
        ):
            first, count = batch
            key = f"hospitaltwin-replications-{first}-{first + count - 1}-{self.token}"
            future = self.client.submit(timed_batch, self.payload, first, count, key=key)
            self.running[future] = self.submitted
            self.submitted += 1
            if self.queue is not None:
                self.queue.add(future)

    def finish(self, future, address: str) -> Iterator:
        """Consume a completed task: time it, release it on the cluster, submit the next tasks
        (before the caller works through these results, so workers do not wait on it), then
        yield what is now next in order."""
        index = self.running.pop(future)
        results, seconds = _result(future, address)
        future.release()
        self.planner.observe(len(results), seconds)
        self.order.store(index, results)
        self.top_up(self.order.complete_through)
        yield from self.order.release()


def _connect(distributed, address: str, timeout_s: float):
    if "://" not in address:
        raise HospitaltwinError(
            f"--scheduler {address!r}: give the Dask scheduler's address as tcp://HOST:PORT"
        )
    try:
        return distributed.Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise HospitaltwinError(
            f"--scheduler {address}: cannot connect to a Dask scheduler there "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        ) from None


def _result(future, address: str):
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise HospitaltwinError(
            f"Dask cluster {address}: the task {exc.task} was running on every worker "
            "that died while running it, too often to retry (out of memory?)"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise HospitaltwinError(
            f"Dask cluster {address}: lost the connection to the scheduler ({exc})"
        ) from None
    except RuntimeError as exc:
        if "deserializ" not in str(exc):
            raise
        raise HospitaltwinError(
            f"Dask cluster {address}: the scheduler could not read the replications' tasks; "
            "install the same hospitaltwin and packages on the scheduler as on this "
            "client and the workers"
        ) from None


def check_versions(client, address: str) -> None:
    """Refuse workers whose Python or numerical packages differ from this process's.

    Raises
    ------
    HospitaltwinError
        Naming each worker and package that differs, or when workers cannot import hospitaltwin.
    """
    here = package_versions()
    try:
        there = client.run(package_versions)
    except Exception as exc:  # noqa: BLE001 - whatever the worker raised, the fix is the install
        raise HospitaltwinError(
            f"Dask cluster {address}: its workers cannot run hospitaltwin "
            f"({type(exc).__name__}: {exc}); install the same hospitaltwin on every worker"
        ) from None
    differ = [
        f"{worker} has {name} {theirs.get(name)} (here {version})"
        for worker, theirs in sorted(there.items())
        for name, version in here.items()
        if theirs.get(name) != version
    ]
    if differ:
        more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
        raise HospitaltwinError(
            f"Dask cluster {address}: workers must run the same versions as this "
            f"client for identical results: {'; '.join(differ[:3])}{more}"
        )
