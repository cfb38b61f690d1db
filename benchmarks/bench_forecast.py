"""Forecast benchmark: 14 days of the 600-bed example, 1,000 replications, two worker processes.

The start state is a snapshot of the academic baseline after 60 simulated days (every bed as
a real store would report it: patients with elapsed stays, devices in use, boarders and
patients waiting). The forecast runs 1,000 warm-started replications over 14 days on two
worker processes.

The same forecast is timed, in the same run and alternately, with the engine of a baseline
revision (``--baseline``, by default the last one before the engine was made faster), taken
from git into a temporary directory; both trees are byte-compiled first, as an installed
package is. The machine this runs on may be shared, so the figure that carries over between
machines and loads is the ratio of the two times; the script prints it, the absolute times,
the CPU time per replication, the peak memory, and whether both engines wrote the same
forecast (they should: the speed-up changes no number). Targets: at most 15 s for the 1,000
replications on two otherwise idle cores (10 s stretch), i.e. at most 15/31 of the baseline's
31 s measured on such cores; memory < 2 GiB.

Run: ``python benchmarks/bench_forecast.py [--replications 1000] [--workers 2] [--repeat 1]
[--baseline REV]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "2827dfa"
"""The last revision before the engine's speed work (its forecast took 31 s on two idle cores)."""
BASELINE_S, TARGET_S, STRETCH_S = 31.0, 15.0, 10.0

DRIVER = r"""
import hashlib, json, resource, sys, time
from pathlib import Path
from hospitaltwin.config import read_scenario
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.engine.snapshot import snapshot
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.forecast import forecast_rows, run_forecast

root, replications, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
scenario = read_scenario(root / "scenarios" / "academic-baseline.yaml")
warm = compile_scenario(with_run(scenario, horizon="60d", warmup="0h"))
state = snapshot(simulate(warm, 1, 0), warm, 60 * 24.0)
cpu = lambda: sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
                  for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
cpu0, start = cpu(), time.perf_counter()
fc = run_forecast(scenario, state, horizon_h=14 * 24, replications=replications, seed=7, workers=workers)
wall, used = time.perf_counter() - start, cpu() - cpu0
rss = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
digest = hashlib.sha256(repr(forecast_rows(fc)).encode()).hexdigest()[:16]
print(json.dumps({"wall": wall, "cpu": used, "rss_mib": rss / 1024, "digest": digest,
                  "patients": len(state.patients), "p72": fc.p_full_within("MICU", "staffed_beds", 72)}))
"""


def checkout(revision: str, into: Path) -> Path:
    """The package, scenarios and layouts of ``revision``, extracted from git into ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision, "hospitaltwin", "scenarios", "layouts"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def byte_compile(tree: Path) -> None:
    """Compile the package's modules once, as installing it does (timings exclude compiling)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "hospitaltwin")], check=True)


def forecast(tree: Path, replications: int, workers: int) -> dict:
    """One timed forecast with the engine of ``tree``, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(tree), str(replications), str(workers)],
                          capture_output=True, text=True, env=env, cwd=tree, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="Timed runs of each engine (best kept).")
    parser.add_argument("--baseline", default=BASELINE, help="Git revision of the baseline engine.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this engine": ROOT, f"baseline {args.baseline}": checkout(args.baseline, Path(tmp) / "base")}
        for tree in trees.values():
            byte_compile(tree)
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.repeat):
            for name, tree in trees.items():  # alternate, so both see the same load
                runs[name].append(forecast(tree, args.replications, args.workers))
    report(runs, args)


def report(runs: dict[str, list[dict]], args) -> None:
    load = os.getloadavg()[0]
    print(f"forecast: academic 600-bed example, 14 days, {args.replications} replications on "
          f"{args.workers} worker processes; best of {args.repeat}; load average {load:.1f} on "
          f"{os.cpu_count()} cores")
    best = {name: min(r, key=lambda x: x["wall"]) for name, r in runs.items()}
    for name, b in best.items():
        per_rep = b["cpu"] / args.replications * 1000
        print(f"  {name:22s} {b['wall']:6.1f} s wall, {per_rep:5.1f} ms CPU per replication, "
              f"peak {b['rss_mib']:.0f} MiB per process (digest {b['digest']})")
    (ours, base) = best.values()
    ratio, cpu_ratio = ours["wall"] / base["wall"], ours["cpu"] / base["cpu"]
    print(f"  ratio this engine / baseline: {ratio:.2f} wall, {cpu_ratio:.2f} CPU "
          f"(target <= {TARGET_S / BASELINE_S:.2f}, stretch {STRETCH_S / BASELINE_S:.2f})")
    print(f"  on two idle cores, where the baseline took {BASELINE_S:.0f} s: {ratio * BASELINE_S:.1f} s "
          f"(target {TARGET_S:.0f} s, stretch {STRETCH_S:.0f} s)")
    print("  same forecast from both engines: " + ("yes" if ours["digest"] == base["digest"] else "NO"))
    print(f"  P(MICU reaches staffed capacity within 72 h) = {ours['p72']:.2f}")


if __name__ == "__main__":
    main()
