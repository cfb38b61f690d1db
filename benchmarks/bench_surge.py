"""Surge-plan benchmark: the academic centre's ICU wave, 200 demand paths x 14 days.

Demand paths are the twin's work (unconstrained simulation of every path) and are timed on
their own; the plan — building the data, the MIP and solving it with SCIP — is timed
separately for each formulation (``extensive``: a recourse variable per path, unit and day;
``aggregated``: the same expectation with one per unit and day), with the options as given
and with nurses and budget tight enough to make the options compete. Target: the plan in
under 60 s. Prints status, objective, bound, gap, model size and times.

Run: ``python benchmarks/bench_surge.py [--paths 200] [--days 14] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hospitaltwin.config.load import read_scenario
from hospitaltwin.optimize.paths import demand_paths
from hospitaltwin.optimize.surge.data import build_data
from hospitaltwin.optimize.surge.explain import summary_lines
from hospitaltwin.optimize.surge.model import SolveSettings
from hospitaltwin.optimize.surge.options import read_options
from hospitaltwin.optimize.surge.solve import solve_plan

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    scenario = read_scenario(ROOT / "scenarios/surge/academic-icu-wave.yaml")
    options = read_options(ROOT / "scenarios/surge/academic-options.yaml", scenario, args.days)
    started = time.perf_counter()
    paths = demand_paths(scenario, paths=args.paths, horizon_h=24.0 * args.days, seed=args.seed, workers=args.workers)
    print(f"demand paths: {args.paths} x {args.days} days in {time.perf_counter() - started:.1f} s "
          f"({args.workers} workers)")
    tight = options.model_copy(update={"nurses_per_shift": 5, "budget": 120_000.0})
    for label, opts in (("as given", options), ("5 nurses per shift, budget 120,000", tight)):
        for formulation in ("extensive", "aggregated"):
            started = time.perf_counter()
            data = build_data(opts, scenario, paths, args.days, scenario.run.warmup)
            built = time.perf_counter() - started
            plan = solve_plan(data, SolveSettings(formulation=formulation, seed=args.seed, time_limit_s=60.0))
            total = time.perf_counter() - started
            print(f"\n[{label}; {formulation}] data {built:.2f} s, model+solve {plan.seconds:.2f} s, plan total "
                  f"{total:.2f} s -> {'PASS' if total < 60 else 'FAIL'} (< 60 s); model {plan.size}")
            print("\n".join(summary_lines(plan)))


if __name__ == "__main__":
    main()
