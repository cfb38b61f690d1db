"""Scale benchmark: the state-wide forecast on local processes and on a loopback Dask cluster.

The 60-hospital state-wide example (``scripts/make_statewide.py``; ``--hospitals`` makes a
larger state in a temporary folder) is forecast 14 days ahead from its daily census counts,
as a command centre would. For each size it prints the wall time and the peak memory of the
client and of the worker processes, on two local worker processes and on a Dask cluster of
two one-thread workers started on 127.0.0.1 (the same two cores), and checks that both give
the same forecast. It also measures a Dask task's overhead (round trip of one tiny task, and
the time per task of many in flight) and prints the batch sizes the executor chose from it.
Peaks are the largest resident set of any process so far (``ru_maxrss``): flat across sizes
means memory does not grow with replications.

Run: ``python benchmarks/bench_scale.py`` (100 replications) or ``--full`` (100, 1,000 and
5,000 replications: about an hour and a half on two cores).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hospitaltwin.config import read_scenario  # noqa: E402
from hospitaltwin.experiment.executors.cluster import DaskCluster  # noqa: E402
from hospitaltwin.experiment.executors.local import LocalProcesses  # noqa: E402
from hospitaltwin.experiment.executors.loopback import LoopbackCluster  # noqa: E402
from hospitaltwin.forecast import forecast_rows, run_forecast  # noqa: E402
from hospitaltwin.store import Store  # noqa: E402

HORIZON_H = 14 * 24


def state_wide(hospitals: int, folder: Path) -> tuple[Path, object]:
    """The baseline scenario and the state from its counts (the bundled files for 60 hospitals)."""
    if hospitals == 60:
        scenario, counts = (
            ROOT / "scenarios/statewide-baseline.yaml",
            ROOT / "samples/statewide-counts.csv",
        )
    else:
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts/make_statewide.py"),
                "--hospitals",
                str(hospitals),
                "--name",
                "bench",
                "--out",
                str(folder),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        scenario, counts = (
            folder / "scenarios/bench-baseline.yaml",
            folder / "samples/bench-counts.csv",
        )
    store = Store.open(f"sqlite:///{folder / 'state.db'}")
    store.sync_counts(counts)
    return scenario, store.state_from_counts()


def task_overhead(client, tasks: int = 400) -> tuple[float, float]:
    """Seconds per task: one tiny task's round trip, and per task with many in flight."""
    client.gather(client.map(abs, range(-tasks, 0), pure=False))  # warm the workers up
    start = time.perf_counter()
    for i in range(50):
        client.submit(abs, -i, pure=False).result()
    latency = (time.perf_counter() - start) / 50
    start = time.perf_counter()
    client.gather(client.map(abs, range(-tasks, 0), pure=False))
    return latency, (time.perf_counter() - start) / tasks


def peak_mib(executor) -> tuple[float, float]:
    """Peak resident memory (MiB) of this process, and the largest of the worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if isinstance(executor, DaskCluster):
        workers = executor.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return own, max(workers.values()) / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def timed_forecast(scenario, state, replications: int, executor) -> tuple[float, list]:
    start = time.perf_counter()
    fc = run_forecast(
        scenario, state, horizon_h=HORIZON_H, replications=replications, seed=11, workers=executor
    )
    return time.perf_counter() - start, forecast_rows(fc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100, 1,000 and 5,000 replications")
    parser.add_argument(
        "--replications",
        type=int,
        nargs="*",
        help="sizes to run (default 100; --full: 100 1000 5000)",
    )
    parser.add_argument(
        "--hospitals",
        type=int,
        default=60,
        help="hospitals in the state (default: the example's 60)",
    )
    args = parser.parse_args()
    sizes = args.replications or ([100, 1000, 5000] if args.full else [100])
    with tempfile.TemporaryDirectory() as folder:
        path, state = state_wide(args.hospitals, Path(folder))
        scenario = read_scenario(path)
        print(
            f"{scenario.name}: {len(scenario.layout.hospitals)} hospitals, {len(scenario.layout.units)} units; "
            f"state of {len(state.patients)} patients from daily counts; {HORIZON_H // 24}-day forecasts"
        )
        with LoopbackCluster(workers=2, threads=1) as cluster:
            dask = DaskCluster(cluster.address)
            latency, per_task = task_overhead(dask.client)
            print(
                f"Dask task overhead on loopback: {latency * 1000:.1f} ms round trip of one task, "
                f"{per_task * 1000:.2f} ms per task with many in flight"
            )
            local = LocalProcesses(2)
            for replications in sizes:
                _compare(scenario, state, replications, local, dask)
            dask.close()


def _compare(scenario, state, replications: int, local, dask) -> None:
    local_s, local_rows = timed_forecast(scenario, state, replications, local)
    local_peak = peak_mib(local)
    dask_s, dask_rows = timed_forecast(scenario, state, replications, dask)
    client, workers = peak_mib(dask)
    sizes = dask.batch_sizes
    print(
        f"{replications:>5} replications: local 2 processes {local_s:7.1f} s "
        f"({local_s / replications * 2000:.0f} ms per replication-core), peak {local_peak[0]:.0f} MiB parent / "
        f"{local_peak[1]:.0f} MiB worker; Dask 2x1 threads {dask_s:7.1f} s ({dask_s / local_s:.2f}x local), "
        f"peak {client:.0f} MiB client / {workers:.0f} MiB worker; {len(sizes)} tasks, batch sizes "
        f"median {statistics.median(sizes):.0f}, max {max(sizes)}; same forecast: {local_rows == dask_rows}"
    )


if __name__ == "__main__":
    main()
