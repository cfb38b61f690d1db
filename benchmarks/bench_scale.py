"""Scale benchmark: the state-wide forecast on local processes and on a loopback Dask cluster.

The 60-hospital state-wide example (``scripts/make_statewide.py``; ``--hospitals`` makes a
larger state in a temporary folder) is forecast 14 days ahead from its daily census counts,
as a command centre would. For each size it prints the wall time and the peak memory of the
client and of the worker processes, on two local worker processes and on a Dask cluster of
two one-thread workers started on 127.0.0.1 (the same two cores), and checks that both give
the same forecast. It also measures a Dask task's overhead (round trip of one tiny task, and
the time per task of many in flight) and prints the batch sizes the executor chose from it.
Each forecast runs in a fresh process (and the Dask one on a fresh loopback cluster), so its
peaks are its own: the largest resident set (``ru_maxrss``) of the client and of the worker
processes during that forecast alone. Flat across sizes means memory does not grow with
replications.

Run: ``python benchmarks/bench_scale.py`` (100 replications) or ``--full`` (100, 1,000 and
5,000 replications: about an hour and a half on two cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
    parser.add_argument("--one", choices=("local", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _one_run(args)
        return
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
            dask.close()
        print(
            f"Dask task overhead on loopback: {latency * 1000:.1f} ms round trip of one task, "
            f"{per_task * 1000:.2f} ms per task with many in flight"
        )
        for replications in sizes:
            local = _child("local", replications, args.hospitals, folder)
            dask = _child("dask", replications, args.hospitals, folder)
            _print_pair(replications, local, dask)


def _child(kind: str, replications: int, hospitals: int, folder: str) -> dict:
    """One forecast in a fresh process, so that its peak memory is its own."""
    command = [sys.executable, __file__, "--one", kind, "--replications", str(replications),
               "--hospitals", str(hospitals), "--folder", folder]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _one_run(args) -> None:
    """Child process: the state from the parent's store, one forecast, its figures as JSON."""
    folder = Path(args.folder)
    scenario = read_scenario(
        ROOT / "scenarios/statewide-baseline.yaml"
        if args.hospitals == 60
        else folder / "scenarios/bench-baseline.yaml"
    )
    state = Store.open(f"sqlite:///{folder / 'state.db'}").state_from_counts()
    replications = args.replications[0]
    if args.one == "local":
        executor = LocalProcesses(2)
        seconds, rows = timed_forecast(scenario, state, replications, executor)
        own, workers = peak_mib(executor)
        sizes = []
    else:
        with LoopbackCluster(workers=2, threads=1) as cluster:
            executor = DaskCluster(cluster.address)
            seconds, rows = timed_forecast(scenario, state, replications, executor)
            own, workers = peak_mib(executor)
            sizes = list(executor.batch_sizes)
            executor.close()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    print(json.dumps({"seconds": seconds, "own": own, "workers": workers, "sizes": sizes,
                      "digest": digest}))


def _print_pair(replications: int, local: dict, dask: dict) -> None:
    sizes = dask["sizes"]
    print(
        f"{replications:>5} replications: local 2 processes {local['seconds']:7.1f} s "
        f"({local['seconds'] / replications * 2000:.0f} ms per replication-core), "
        f"peak {local['own']:.0f} MiB parent / {local['workers']:.0f} MiB worker; "
        f"Dask 2x1 threads {dask['seconds']:7.1f} s ({dask['seconds'] / local['seconds']:.2f}x local), "
        f"peak {dask['own']:.0f} MiB client / {dask['workers']:.0f} MiB worker; {len(sizes)} tasks, "
        f"batch sizes median {statistics.median(sizes):.0f}, max {max(sizes)}; "
        f"same forecast: {local['digest'] == dask['digest']}"
    )


if __name__ == "__main__":
    main()
