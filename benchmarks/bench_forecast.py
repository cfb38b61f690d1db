"""Forecast benchmark: 14 days of the 600-bed example, 1,000 replications, both cores.

The start state is a snapshot of the academic baseline after 60 simulated days (every bed
as a real store would report it: patients with elapsed stays, devices in use, boarders and
patients waiting). The forecast runs 1,000 warm-started replications over 14 days on two
worker processes; the script prints the wall time (target < 60 s), the time of the same
forecast on one process in the same run (the speed-up from the second core), and the peak
memory (target < 2 GiB).

The second part prices the demand model. The same hospital's 70 simulated days are synced
into a SQLite state store as an event log; the forecast is then made from the store's state
at day 60 by the function ``hospitaltwin forecast`` ships (``forecast_from_history``), once
with the earlier multiplier rule and once with the demand model (``trend``: a state-space fit
per entry unit and one demand path per replication), same replications, seed and workers. It
prints both times and their ratio (target: at most 1.2).

Run: ``python benchmarks/bench_forecast.py [--replications 1000] [--workers 2]
[--part both|engine|demand]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hospitaltwin.config import read_scenario  # noqa: E402
from hospitaltwin.engine import compile_scenario, simulate  # noqa: E402
from hospitaltwin.engine.snapshot import snapshot  # noqa: E402
from hospitaltwin.experiment.replicate import with_run  # noqa: E402
from hospitaltwin.forecast import run_forecast  # noqa: E402


def engine_part(args) -> None:
    """1,000 replications from a snapshot: wall time, speed-up from workers, memory."""
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


def demand_part(args) -> None:
    """The forecast from a synced store with the demand model against the multiplier rule."""
    from hospitaltwin.experiment.export import replication_events
    from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history
    from hospitaltwin.store import Store

    scenario = read_scenario(ROOT / "scenarios" / "academic-baseline.yaml")
    history = compile_scenario(with_run(scenario, horizon="70d", warmup="0h"))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "events.csv"
        replication_events(simulate(history, 1, 0), history, scenario.layout.timezone).to_csv(log, index=False)
        store = Store.open(f"sqlite:///{Path(tmp) / 'twin.db'}")
        store.sync([log], key=b"bench-forecast", tz=scenario.layout.timezone)
        at = store.first_event_time() + timedelta(days=60)
        timings = {}
        for demand in ("multiplier", "trend"):
            options = ForecastOptions(horizon_h=14 * 24, replications=args.replications, seed=7,
                                      workers=args.workers, demand=demand, allow_stale=True)
            start = time.perf_counter()
            fc = forecast_from_history(scenario, store, at, options)
            timings[demand] = time.perf_counter() - start
            print(f"demand model {demand}: {args.replications} replications on {args.workers} process(es) "
                  f"in {timings[demand]:.1f} s ({len(fc.info['demand'])} entry units fitted)")
        store.close()
    print(f"demand model cost: trend / multiplier = {timings['trend'] / timings['multiplier']:.3f} "
          "(target <= 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--part", choices=("both", "engine", "demand"), default="both")
    args = parser.parse_args()
    if args.part in ("both", "engine"):
        engine_part(args)
    if args.part in ("both", "demand"):
        demand_part(args)


if __name__ == "__main__":
    main()
