"""Engine benchmark: hospitaltwin against idiomatic bare SimPy, as whole processes, same run.

The model (W1): one 40-bed unit, Poisson arrivals 8/day, lognormal stays 4.5 +- 3 days,
patients diverted when full, 60 simulated years. ``bare_simpy_loss.py`` writes it the way the
SimPy documentation does (a process per patient, a ``Resource`` for the beds);
``hospitaltwin run`` runs the same model with full recording (stays, hourly census, KPIs,
Parquet files, summary and manifest). Both are timed as whole processes (start-up included),
best of ``--repeat`` runs (the two alternate, so both see the same load), and the ratio is
printed with the load average (target: at most 0.7). Patient-flow events (arrivals + stay
ends) per second are counted the same way for both.

Also: one year of the 600-bed example in one replication (target < 2 s), and peak memory for
few vs many replications (memory must not grow with replications).

Run: ``python benchmarks/bench_engine.py [--years 60] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOSS_MODEL = """\
name: loss40
layout:
  units:
    WARD: {{beds: 40, on_full: divert}}
demand:
  arrivals:
    - {{unit: WARD, rate: 8}}
  units:
    WARD:
      los: {{dist: lognormal, mean: 4.5d, sd: 3d}}
run: {{horizon: {days}d, warmup: 0d, replications: {reps}, seed: 1, limits: {{horizon: 36500d, stays: 50000000}}}}
"""


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one run of ``command`` as a whole process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, proc.stdout


def best_alternating(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float, str]]:
    """Best wall time (with its CPU time and output) of each command over ``repeat`` rounds,
    the commands taking turns so that both meet the same load."""
    best: dict[str, tuple[float, float, str]] = {}
    for _ in range(repeat):
        for name, command in commands.items():
            run = timed(command)
            if name not in best or run[0] < best[name][0]:
                best[name] = run
    return best


def peak_rss(command: list[str]) -> int:
    """Peak resident memory (KiB) of one run of ``command``, measured by /usr/bin/time."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return int(proc.stderr.strip().splitlines()[-1])


def loss_model(years: float, repeat: int, work: Path) -> None:
    days = int(years * 365)
    scenario = work / "loss40.yaml"
    scenario.write_text(LOSS_MODEL.format(days=days, reps=1))
    best = best_alternating({
        "bare": [sys.executable, "benchmarks/bare_simpy_loss.py", str(years)],
        "ours": [sys.executable, "-m", "hospitaltwin", "run", str(scenario), "--out", str(work / "out")],
    }, repeat)
    (bare_s, bare_cpu, bare_out), (ours_s, ours_cpu, _) = best["bare"], best["ours"]
    summary = json.loads((work / "out" / "summary.json").read_text())["units"]["WARD"]
    arrivals = float(bare_out.split("arrivals=")[1].split()[0])
    flow_events = 2 * arrivals  # an arrival and a stay end (or a diversion) per patient
    print(f"loss model (W1), {years:g} simulated years, best of {repeat} whole-process runs each, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  bare SimPy (process per patient + Resource): {bare_s:6.2f} s ({bare_cpu:5.2f} s CPU)  "
          f"{flow_events / bare_s:9.0f} flow events/s  ({bare_out.strip()})")
    print(f"  hospitaltwin run (full recording, Parquet):  {ours_s:6.2f} s ({ours_cpu:5.2f} s CPU)  "
          f"{flow_events / ours_s:9.0f} flow events/s  (diverted_fraction={summary['diverted_fraction']['mean']:.4f})")
    print(f"  ratio hospitaltwin / bare SimPy: {ours_s / bare_s:.2f} wall, {ours_cpu / bare_cpu:.2f} CPU  "
          f"(target <= 0.7)")


def in_process(years: float) -> None:
    sys.path.insert(0, str(ROOT))
    from hospitaltwin.config import parse_scenario
    from hospitaltwin.engine import compile_scenario, run_replication, simulate

    model = compile_scenario(parse_scenario(LOSS_MODEL.format(days=int(years * 365), reps=1)))
    start = time.perf_counter()
    run_replication(model, 1, 0)
    middle = time.perf_counter()
    simulate(model, 1, 0)
    end = time.perf_counter()
    print(f"  in process: event loop {middle - start:.2f} s, with tables and KPIs {end - middle:.2f} s")


def academic_year(work: Path) -> None:
    scenario = ROOT / "scenarios" / "academic-baseline.yaml"
    if not scenario.exists():
        print("academic-600 example not found; skipped")
        return
    seconds, _, _ = timed([sys.executable, "-m", "hospitaltwin", "run", str(scenario), "-r", "1",
                           "--horizon", "365d", "--out", str(work / "academic")])
    sys.path.insert(0, str(ROOT))
    from hospitaltwin.config import read_scenario
    from hospitaltwin.engine import compile_scenario, simulate
    from hospitaltwin.experiment.replicate import with_run

    model = compile_scenario(with_run(read_scenario(scenario), horizon="365d"))
    start = time.perf_counter()
    result = simulate(model, 1, 0)
    inside = time.perf_counter() - start
    print(f"600-bed academic example, one simulated year, one replication: {inside:.2f} s in process "
          f"({len(result.stays)} bed requests), {seconds:.2f} s as a whole `hospitaltwin run` (target < 2 s)")


def memory(work: Path) -> None:
    scenario = work / "mem.yaml"
    rss = {}
    for reps in (4, 40):
        scenario.write_text(LOSS_MODEL.format(days=365, reps=reps))
        rss[reps] = peak_rss([sys.executable, "-m", "hospitaltwin", "run", str(scenario), "--out", str(work / f"m{reps}")])
    print(f"peak memory: {rss[4] / 1024:.0f} MiB for 4 replications, {rss[40] / 1024:.0f} MiB for 40 "
          f"(ratio {rss[40] / rss[4]:.2f}; flat means ~1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only-w1", action="store_true", help="Only the W1 ratio (skip the other figures).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        loss_model(args.years, args.repeat, work)
        if args.only_w1:
            return
        in_process(args.years)
        academic_year(work)
        memory(work)


if __name__ == "__main__":
    main()
