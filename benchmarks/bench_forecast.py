"""Forecast benchmark: 14 days of the 600-bed example, 1,000 replications, both cores.

The start state is a snapshot of the academic baseline after 60 simulated days (every bed
as a real store would report it: patients with elapsed stays, devices in use, boarders and
patients waiting). The forecast runs 1,000 warm-started replications over 14 days on two
worker processes; the script prints the wall time (target < 60 s), the time of the same
forecast on one process in the same run (the speed-up from the second core), and the peak
memory (target < 2 GiB).

Run: ``python benchmarks/bench_forecast.py [--replications 1000] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hospitaltwin.config import read_scenario  # noqa: E402
from hospitaltwin.engine import compile_scenario, simulate  # noqa: E402
from hospitaltwin.engine.snapshot import snapshot  # noqa: E402
from hospitaltwin.experiment.replicate import with_run  # noqa: E402
from hospitaltwin.forecast import run_forecast  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = read_scenario(ROOT / "scenarios" / "academic-baseline.yaml")
    warm = compile_scenario(with_run(scenario, horizon="60d", warmup="0h"))
    state = snapshot(simulate(warm, 1, 0), warm, 60 * 24.0)
    print(f"start state: {len(state.patients)} patients in beds, {len(state.waiting)} waiting, "
          f"{sum(len(p.devices) for p in state.patients)} devices in use")
    timings = {}
    for workers, reps in ((1, max(args.replications // 10, 2)), (args.workers, args.replications)):
        start = time.perf_counter()
        fc = run_forecast(scenario, state, horizon_h=14 * 24, replications=reps, seed=7, workers=workers)
        timings[workers] = (time.perf_counter() - start, reps)
        print(f"{reps} replications on {workers} process(es): {timings[workers][0]:.1f} s "
              f"({timings[workers][0] / reps * 1000:.1f} ms per replication)")
    one = timings[1][0] / timings[1][1]
    many = timings[args.workers][0] / timings[args.workers][1]
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"speed-up from {args.workers} workers: {one / many:.2f}x; peak memory of one process: {peak / 1024:.0f} MiB "
          f"(targets: {args.replications} replications < 60 s, < 2 GiB)")
    risk = fc.p_full_within("MICU", "staffed_beds", 72)
    print(f"P(MICU reaches staffed capacity within 72 h) = {risk:.2f}")


if __name__ == "__main__":
    main()
