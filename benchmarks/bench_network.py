"""Network allocation benchmark: the regional example, 200 demand paths x 14 days, every hospital.

Draws the demand paths of ``scenarios/regional-respiratory-surge.yaml`` (five hospitals,
ventilator pools in four, ECLS at the hub, seven links) once, then solves the allocation model
for the expected total, for the worst hospital first (``--fair``), and for the total with
transfer slots booked day by day at a cost (the most integers), printing for each the model's
size, the solver's status, objective, bound, gap and time. Path drawing (the twin's
simulation) is timed apart from building and solving the model.

Run: ``python benchmarks/bench_network.py [--paths 200] [--days 14] [--workers 2] [--move-days 1]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hospitaltwin.config.load import read_scenario
from hospitaltwin.optimize.network import NetworkModel, Settings, network_data
from hospitaltwin.optimize.paths import demand_paths

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios/regional-respiratory-surge.yaml"))
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--move-days", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    scenario = read_scenario(args.scenario)
    start = time.perf_counter()
    paths = demand_paths(scenario, paths=args.paths, horizon_h=24.0 * args.days, seed=scenario.run.seed,
                         workers=args.workers)
    print(f"demand paths: {args.paths} x {args.days} days in {time.perf_counter() - start:.1f} s "
          f"({args.workers} workers)")
    data = network_data(scenario, paths, start_h=scenario.run.warmup, keep=0.5, move_days=args.move_days)
    variants = {"total": {}, "fair": {"fair": True},
                "total, slots booked per day at a cost": {"slot_cost": 0.01, "daily_slots": True}}
    for name, extra in variants.items():
        start = time.perf_counter()
        model = NetworkModel(data, Settings(seed=1, time_limit_s=args.time_limit, **extra))
        built = time.perf_counter() - start
        report = model.solve()
        print(f"{name}: {model.solver.NumVariables()} variables "
              f"({model.integers} integer), {model.solver.NumConstraints()} constraints; "
              f"built in {built:.1f} s")
        for stage in report["stages"]:
            print(f"  stage {stage['stage']:<14} {stage['status']:<9} objective {stage.get('objective', float('nan')):10.4f}  "
                  f"bound {stage.get('bound', float('nan')):10.4f}  gap {stage.get('gap', float('nan')):.2e}  "
                  f"{stage['time_s']:.2f} s")
        print(f"  total wall time (build + solve): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
